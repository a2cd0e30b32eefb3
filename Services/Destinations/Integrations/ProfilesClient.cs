using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;

namespace Alle.Destinations.Integrations;

/// <summary>
/// A person's profile traits for mapping templates (<c>GET http://profiles/api/profiles/lookup?userId=…</c>, admin key),
/// looked up only for templates that read <c>traits</c> and kept a few seconds, so a burst of one person's events costs
/// one look-up.
/// </summary>
internal sealed class ProfilesClient(HttpClient http, IMemoryCache cache)
{
    private static readonly TimeSpan s_keep = TimeSpan.FromSeconds(5);

    /// <summary>Her traits, an empty object when Profiles does not know her; throws <see cref="HttpRequestException"/> when Profiles cannot answer.</summary>
    public async Task<JsonObject> TraitsAsync(string userId, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue<JsonObject>(("traits", userId), out var cached) && cached is not null)
        {
            return cached;
        }
        using var response = await http.GetAsync($"api/profiles/lookup?userId={Uri.EscapeDataString(userId)}", cancellationToken);
        JsonObject traits;
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            traits = [];
        }
        else
        {
            response.EnsureSuccessStatusCode();
            var profile = await response.Content.ReadFromJsonAsync<JsonObject>(JsonSerializerOptions.Web, cancellationToken);
            traits = profile?["traits"] as JsonObject ?? [];
        }
        cache.Set(("traits", userId), traits, s_keep);
        return traits;
    }
}
