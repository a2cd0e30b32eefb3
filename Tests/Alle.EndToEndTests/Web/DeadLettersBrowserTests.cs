using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using RabbitMQ.Client;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// The console's dead letters in a real browser: every service's outbox is shown, a message nobody consumes is listed,
/// then discarded after a confirmation.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class DeadLettersBrowserTests(DistributedAppFixture app, Chromium chromium) : IClassFixture<Chromium>
{
    private const string SkippedQueue = "messaging-member-enrolled_skipped";

    [Fact]
    public async Task An_operator_sees_a_skipped_message_and_discards_it_after_confirming()
    {
        var messageId = Guid.NewGuid();
        await SendUnhandledMessageAsync("messaging-member-enrolled", messageId);
        await Eventually.TrueAsync(async () => (await SkippedIdsAsync()).Contains(messageId.ToString()), TimeSpan.FromSeconds(30), "the message in the skipped queue");

        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console/dead-letters");
        await page.GetByLabel("Admin key").FillAsync(app.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GotoAsync("/console/dead-letters");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Dead letters");

        var message = page.Locator($"[data-queue='{SkippedQueue}'] [data-message-id='{messageId}']").First;
        await Assertions.Expect(message).ToContainTextAsync("Alle.Contracts:NobodyConsumesThis");
        foreach (var service in new[] { "ingestion", "profiles", "audiences", "messaging", "loyalty", "destinations" })
        {
            await Assertions.Expect(page.GetByTestId($"dead-letters-{service}")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId($"outbox-{service}")).ToContainTextAsync(new Regex(@"Outbox:\s+(flowing|retrying)\s+[\d,]+ pending, [\d,]+ failing"));
        }
        await Chromium.ScreenshotAsync(page, "32-console-dead-letters");

        await message.GetByText("Replay or discard…").ClickAsync();
        await message.GetByRole(AriaRole.Button, new() { Name = "Confirm discard" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync(new Regex($"Discarded 1 message\\(s\\) from {SkippedQueue}"));
        await Assertions.Expect(page.Locator($"[data-message-id='{messageId}']")).ToHaveCountAsync(0);
        Assert.DoesNotContain(messageId.ToString(), await SkippedIdsAsync());
    }

    private async Task<IReadOnlyList<string>> SkippedIdsAsync() =>
        [.. (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/dead-letters/{SkippedQueue}/messages")).GetProperty("messages")
            .EnumerateArray().Select(m => m.GetProperty("messageId").GetString()!)];

    private async Task SendUnhandledMessageAsync(string queue, Guid messageId)
    {
        var envelope = JsonSerializer.Serialize(new
        {
            messageId,
            messageType = new[] { "urn:message:Alle.Contracts:NobodyConsumesThis" },
            message = new { note = "no consumer handles this type" },
            sentTime = DateTimeOffset.UtcNow,
        });
        await using var connection = await new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.BasicPublishAsync("", queue, mandatory: true,
            new BasicProperties { MessageId = messageId.ToString(), ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent },
            Encoding.UTF8.GetBytes(envelope));
    }
}
