using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alle.Messaging.Integrations;

internal sealed record ProfileIdentifier(string Type, string Value);

/// <summary>Profiles' agreed look-up answer.</summary>
internal sealed record ProfileLookup(
    string ProfileId,
    string? UserId,
    [property: JsonPropertyName("traits")] JsonElement Traits,
    IReadOnlyList<ProfileIdentifier>? Identifiers)
{
    public string? Phone => Identifiers?.FirstOrDefault(i => i.Type == "phone")?.Value ?? Trait("phone");

    public string? Trait(string name) => Traits.ValueKind == JsonValueKind.Object && Traits.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
        ? value.GetString()
        : null;
}

/// <summary>Profiles' look-up API (<c>GET http://profiles/api/profiles/lookup?userId=…|phone=…</c>, admin key).</summary>
internal sealed class ProfilesClient(HttpClient http)
{
    public Task<ProfileLookup?> FindByUserIdAsync(string userId, CancellationToken cancellationToken) =>
        LookupAsync($"api/profiles/lookup?userId={Uri.EscapeDataString(userId)}", cancellationToken);

    public Task<ProfileLookup?> FindByPhoneAsync(string phone, CancellationToken cancellationToken) =>
        LookupAsync($"api/profiles/lookup?phone={Uri.EscapeDataString(phone)}", cancellationToken);

    /// <summary>The profile, or null when Profiles has none; throws <see cref="HttpRequestException"/> when Profiles cannot answer.</summary>
    private async Task<ProfileLookup?> LookupAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await http.SendWithinDeadlineAsync(new HttpRequestMessage(HttpMethod.Get, path), "Profiles", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<ProfileLookup>(JsonSerializerOptions.Web, cancellationToken);
    }
}
