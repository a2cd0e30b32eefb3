using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Ingestion;

[Collection(StackCollection.Name)]
public sealed class LiveStreamTests(DistributedAppFixture app)
{
    [Fact]
    public async Task The_debugger_streams_a_sources_calls_as_they_arrive_with_rejections()
    {
        var created = await (await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = $"Debugged {Guid.NewGuid():N}" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var sourceId = created.GetProperty("source").GetProperty("id").GetString()!;
        var tracking = app.CreateClient("gateway");
        tracking.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{created.GetProperty("writeKey").GetString()}:")));
        using var listener = app.CreateClient("gateway", TimeSpan.FromMinutes(1));
        listener.DefaultRequestHeaders.Authorization = app.AdminGateway.DefaultRequestHeaders.Authorization;
        using var response = await listener.GetAsync($"/api/ingestion/sources/{sourceId}/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal("connected", (await NextEventAsync(reader, deadline.Token)).Type);

        var messageId = Guid.NewGuid().ToString();
        await tracking.PostAsJsonAsync("/v1/batch", new
        {
            batch = new object[]
            {
                new { type = "track", messageId, userId = "u-live", @event = "Message Delivered" },
                new { type = "track", @event = "No Identity" },
            },
        });

        var accepted = await NextEventAsync(reader, deadline.Token);
        var rejected = await NextEventAsync(reader, deadline.Token);
        Assert.Equal("accepted", accepted.Type);
        Assert.Equal(messageId, accepted.Data.GetProperty("messageId").GetString());
        Assert.Equal("Message Delivered", accepted.Data.GetProperty("payload").GetProperty("event").GetString());
        Assert.Equal("rejected", rejected.Type);
        Assert.Equal("missing userId and anonymousId", rejected.Data.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task The_stream_needs_the_admin_key_and_a_known_source()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Gateway.GetAsync("/api/ingestion/sources/portal/stream")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.AdminGateway.GetAsync("/api/ingestion/sources/nope/stream")).StatusCode);
    }

    private static async Task<(string Type, JsonElement Data)> NextEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        string? type = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return (type!, JsonDocument.Parse(line[6..]).RootElement);
            }
        }
        throw new EndOfStreamException("The stream ended.");
    }
}
