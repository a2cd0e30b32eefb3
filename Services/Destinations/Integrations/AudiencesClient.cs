using System.Net;
using System.Text.Json;

namespace Alle.Destinations.Integrations;

internal sealed record AudienceDefinition(Guid Id, string Key, string Name);

internal sealed record AudienceMember(Guid ProfileId, string? UserId, DateTimeOffset EnteredAt);

internal sealed record MembersPage(IReadOnlyList<AudienceMember> Data, long Total, Guid? Next);

internal sealed record ComputedValue(Guid ProfileId, string? UserId, JsonElement Value, DateTimeOffset UpdatedAt);

internal sealed record ComputedValuesPage(IReadOnlyList<ComputedValue> Data, Guid? Next);

/// <summary>
/// Audiences' API (<c>http://audiences</c>, admin key): the definitions a sync names, and their current members or
/// values, paged by profile id, for backfills.
/// </summary>
internal sealed class AudiencesClient(HttpClient http)
{
    public Task<AudienceDefinition?> AudienceAsync(string key, CancellationToken cancellationToken) =>
        GetOrNullAsync<AudienceDefinition>($"api/audiences/{Uri.EscapeDataString(key)}", cancellationToken);

    public Task<AudienceDefinition?> ComputedTraitAsync(string key, CancellationToken cancellationToken) =>
        GetOrNullAsync<AudienceDefinition>($"api/audiences/computed-traits/{Uri.EscapeDataString(key)}", cancellationToken);

    public async Task<MembersPage> MembersAsync(string key, Guid? after, int limit, CancellationToken cancellationToken) =>
        await GetOrNullAsync<MembersPage>($"api/audiences/{Uri.EscapeDataString(key)}/members?limit={limit}{After(after)}", cancellationToken)
        ?? throw new HttpRequestException($"Audience {key} no longer exists.", null, HttpStatusCode.NotFound);

    public async Task<ComputedValuesPage> ValuesAsync(string key, Guid? after, int limit, CancellationToken cancellationToken) =>
        await GetOrNullAsync<ComputedValuesPage>($"api/audiences/computed-traits/{Uri.EscapeDataString(key)}/values?limit={limit}{After(after)}", cancellationToken)
        ?? throw new HttpRequestException($"Computed trait {key} no longer exists.", null, HttpStatusCode.NotFound);

    private static string After(Guid? after) => after is { } id ? $"&after={id}" : "";

    private async Task<T?> GetOrNullAsync<T>(string path, CancellationToken cancellationToken) where T : class
    {
        using var response = await http.GetAsync(path, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<T>(JsonSerializerOptions.Web, cancellationToken);
    }
}
