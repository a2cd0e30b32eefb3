using System.Text.Json;

namespace Alle.Web.Services.Profiles;

/// <summary>Profiles for the signed-in member (member token): her own data export.</summary>
public sealed class ProfilesService(HttpClient http)
{
    /// <summary>Everything held about her, as the JSON document Profiles answers; null when no profile exists yet.</summary>
    public async Task<JsonElement?> ExportMineAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("/api/profiles/me/export", cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        await response.EnsureAcceptedAsync(cancellationToken);
        return await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<JsonElement>(response.Content, cancellationToken);
    }
}
