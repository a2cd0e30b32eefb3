using System.Security.Cryptography;
using System.Text;

namespace Alle.Ingestion.Sources;

/// <summary>The sources allowed to send events, by write key. Seeded from configuration (<c>Ingestion:SeedSources:{source}</c>).</summary>
internal sealed class WriteKeys
{
    private readonly Dictionary<string, string> _sourceByKeyHash;

    public WriteKeys(IConfiguration configuration)
    {
        _sourceByKeyHash = configuration.GetSection("Ingestion:SeedSources").GetChildren()
            .Where(source => !string.IsNullOrEmpty(source.Value))
            .ToDictionary(source => Hash(source.Value!), source => source.Key);
    }

    public string? FindSource(string? writeKey) =>
        writeKey is not null && _sourceByKeyHash.TryGetValue(Hash(writeKey), out var source) ? source : null;

    private static string Hash(string writeKey) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(writeKey)));
}
