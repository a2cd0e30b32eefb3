using System.Security.Cryptography;
using System.Text;

namespace Alle.Ingestion.Sources;

/// <summary>Source write keys: generated at random, stored only as a SHA-256 hash plus a short hint for operators.</summary>
internal static class WriteKey
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string Generate() => new(RandomNumberGenerator.GetItems<char>(Alphabet, 32));

    public static byte[] Hash(string writeKey) => SHA256.HashData(Encoding.UTF8.GetBytes(writeKey));

    /// <summary>The last four characters, enough for an operator to tell keys apart without revealing one.</summary>
    public static string Hint(string writeKey) => writeKey.Length <= 8 ? "…" : $"…{writeKey[^4..]}";
}
