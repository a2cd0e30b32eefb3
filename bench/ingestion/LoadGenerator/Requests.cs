using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Alle.Bench.Ingestion;

/// <summary>Segment-shaped request bodies with unique message ids, and a client tuned for load.</summary>
internal static class Requests
{
    public static HttpClient Client(Uri baseAddress, string writeKey, int connections)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            AutomaticDecompression = DecompressionMethods.None,
        };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{writeKey}:")));
        return client;
    }

    public static ByteArrayContent Batch(string runId, int size)
    {
        var body = new StringBuilder(size * 330);
        body.Append("{\"sentAt\":\"").Append(DateTimeOffset.UtcNow.ToString("O")).Append("\",\"batch\":[");
        for (var i = 0; i < size; i++)
        {
            if (i > 0)
            {
                body.Append(',');
            }
            AppendTrack(body, runId, i);
        }
        body.Append("]}");
        return Json(body);
    }

    public static ByteArrayContent Track(string runId)
    {
        var body = new StringBuilder(400);
        AppendTrack(body, runId, 0);
        return Json(body);
    }

    private static void AppendTrack(StringBuilder body, string runId, int i) => body
        .Append("{\"type\":\"track\",\"messageId\":\"").Append(runId).Append(Guid.NewGuid().ToString("N"))
        .Append("\",\"userId\":\"bench-user-").Append(i % 50)
        .Append("\",\"event\":\"Provider Searched\",\"properties\":{\"zip\":\"10001\",\"radius\":25,\"specialty\":\"injectables\"},")
        .Append("\"context\":{\"library\":{\"name\":\"alle-bench\",\"version\":\"1.0\"},\"app\":{\"name\":\"Allē\",\"version\":\"4.2.0\"},\"locale\":\"en-US\"},")
        .Append("\"timestamp\":\"").Append(DateTimeOffset.UtcNow.ToString("O")).Append("\"}");

    private static ByteArrayContent Json(StringBuilder body)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToString()));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }
}
