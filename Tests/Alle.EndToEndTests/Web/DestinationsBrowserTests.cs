using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// The console's Destinations page in a real browser: an operator creates an HTTP destination (its secret shown once),
/// connects a source of the test's own, tests a mapping against a sample event from the live stream and saves it; the
/// mapped request reaches a real receiver and shows in the delivery log and chart; a refused event lands in the dead
/// letters and the replay button delivers it; the destination is disabled.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class DestinationsBrowserTests(DistributedAppFixture app, Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task An_operator_creates_a_destination_tests_a_mapping_sees_deliveries_and_replays_a_dead_letter()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var (source, tracking) = await CreateSourceAsync($"browser-{run}");
        var name = $"Browser CRM {run}";
        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console/destinations");
        await page.GetByLabel("Admin key").FillAsync(app.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // Create: the secret is shown once.
        await page.GetByLabel("Name").FillAsync(name);
        await page.GetByLabel("Type").SelectOptionAsync("http");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create destination" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("destination-secret")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = $"Configure {name}" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(name);
        var destinationId = Guid.Parse(new Uri(page.Url).Segments[^1]);
        try
        {
            await page.GetByLabel("Connect a source").SelectOptionAsync(source);
            await page.GetByRole(AriaRole.Button, new() { Name = "Connect", Exact = true }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("connected-sources")).ToContainTextAsync(source);

            // A sample from the live stream, then the mapping tested against it before it is saved.
            await TrackAsync(tracking, $"sample-{run}", 129.5m);
            await Eventually.TrueAsync(async () => (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/destinations/samples?source={source}"))
                .GetProperty("data").GetArrayLength() > 0, s_timeout, "the sample event");
            await page.GetByLabel("Name", new() { Exact = true }).Last.FillAsync("Orders to the CRM");
            await page.GetByLabel("Trigger (JSON)").FillAsync("""{"event": "Browser Order"}""");
            await page.GetByLabel("Request template (JSON)").FillAsync($$$"""
                {"method": "POST", "url": "{{{_receiver.Url}}}/crm/orders", "body": {"customer": "{{ event.userId }}", "amount": "{{ event.properties.total }}"}}
                """);
            await page.GetByRole(AriaRole.Button, new() { Name = "Test against a sample event" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("mapping-test")).ToContainTextAsync("matches");
            await Assertions.Expect(page.GetByTestId("mapping-test-body")).ToContainTextAsync("129.5");
            await Chromium.ScreenshotAsync(page, "40-console-destination-mapping-test");
            Assert.Empty(_receiver.Received);
            await page.GetByRole(AriaRole.Button, new() { Name = "Save mapping" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("mapping")).ToContainTextAsync("Orders to the CRM");

            // Delivered through the mapping; the log and the chart show it.
            await TrackAsync(tracking, $"buyer-{run}", 42m);
            var delivered = await Eventually.GetAsync(async () => _receiver.Received.FirstOrDefault(r => r.Path == "/crm/orders"), s_timeout, "the mapped request");
            Assert.Equal($"buyer-{run}", delivered.Json.GetProperty("customer").GetString());
            Assert.Equal("42", delivered.Json.GetProperty("amount").GetString());
            await Eventually.TrueAsync(async () =>
            {
                await page.ReloadAsync();
                return (await page.GetByTestId("delivery-log").InnerTextAsync()).Contains("delivered", StringComparison.Ordinal);
            }, s_timeout, "the delivery in the log");
            await Assertions.Expect(page.Locator("svg.chart").First).ToBeVisibleAsync();
            await Chromium.ScreenshotAsync(page, "41-console-destination");

            // A refused event is a dead letter; once the receiver takes it, the replay delivers it.
            _receiver.AnswerWith((_, _) => new ReceiverAnswer(400, """{"error":"unknown customer"}"""));
            await TrackAsync(tracking, $"refused-{run}", 7m);
            await Eventually.TrueAsync(async () =>
            {
                await page.ReloadAsync();
                return await page.GetByTestId("dead-letters").CountAsync() > 0;
            }, s_timeout, "the dead letter");
            await Assertions.Expect(page.GetByTestId("dead-letters")).ToContainTextAsync("rejected");
            _receiver.AnswerWith((_, _) => ReceiverAnswer.Ok);
            await page.GetByRole(AriaRole.Button, new() { Name = "Replay all" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 dead letter queued again");
            await Eventually.TrueAsync(() => Task.FromResult(_receiver.Received.Count(r => r.Json.GetProperty("customer").GetString() == $"refused-{run}") == 2),
                s_timeout, "the replayed event at the receiver");

            await page.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("destination-status")).ToHaveTextAsync("disabled");
        }
        finally
        {
            await app.AdminGateway.DeleteAsync($"/api/destinations/{destinationId}");
        }
    }

    private static async Task TrackAsync(HttpClient tracking, string userId, decimal total)
    {
        using var response = await tracking.PostAsJsonAsync("/v1/track", new { userId, @event = "Browser Order", properties = new { total } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<(string Id, HttpClient Tracking)> CreateSourceAsync(string id)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { id, name = id });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var writeKey = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("writeKey").GetString()!;
        var tracking = app.CreateClient("gateway");
        tracking.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{writeKey}:")));
        return (id, tracking);
    }
}
