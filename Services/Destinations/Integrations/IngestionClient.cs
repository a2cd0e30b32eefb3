using System.Net;

namespace Alle.Destinations.Integrations;

/// <summary>Ingestion's sources API (<c>http://ingestion</c>, admin key): whether a source a destination is connected to exists.</summary>
internal sealed class IngestionClient(HttpClient http)
{
    public async Task<bool> SourceExistsAsync(string sourceId, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"api/ingestion/sources/{Uri.EscapeDataString(sourceId)}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        response.EnsureSuccessStatusCode();
        return true;
    }
}
