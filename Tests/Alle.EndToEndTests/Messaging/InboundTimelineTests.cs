using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.EndToEndTests.Messaging;

/// <summary>
/// A text a member sends lands on her timeline as an <c>SMS Received</c> event. Needs Ingestion's batch endpoint (the
/// tracking client's) and identify, and Profiles resolving the phone to the member (look-up API and timeline).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class InboundTimelineTests(DistributedAppFixture app)
{
    [Fact]
    public async Task A_text_from_a_member_appears_on_her_timeline()
    {
        var (userId, phone) = await JourneyEndToEndTests.NewMemberAsync(app, app.CreateTrackingClient("portal"), "Rosa");
        var sandbox = app.CreateClient("twilio-sandbox");

        using var reply = await sandbox.PostAsJsonAsync($"/api/inbox/{Uri.EscapeDataString(phone)}/reply", new { body = "Is my appointment on Friday?" });
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);

        var received = await Eventually.GetValueAsync<JsonElement>(async () =>
        {
            using var response = await app.AdminGateway.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{userId}/events?limit=50");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }
            var events = await response.Content.ReadFromJsonAsync<JsonElement>();
            return events.GetProperty("data").EnumerateArray().FirstOrDefault(e => e.TryGetProperty("event", out var name) && name.GetString() == "SMS Received") is { ValueKind: JsonValueKind.Object } found
                ? found : null;
        }, TimeSpan.FromSeconds(60), "SMS Received on the member's timeline");

        Assert.Equal("Is my appointment on Friday?", received.GetProperty("properties").GetProperty("body").GetString());
    }
}
