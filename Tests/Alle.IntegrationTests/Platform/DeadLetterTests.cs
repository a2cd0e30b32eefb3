using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Platform;

/// <summary>
/// Poison messages are visible and replayable: messaging's enrolment consumer is made to fail for good (an enrolment
/// without a member id cannot be written), and the dead-letter API shows, replays and discards what lands in its error
/// queue, without touching anything else.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class DeadLetterTests(DistributedAppFixture app) : IAsyncLifetime
{
    private const string Endpoint = "messaging-member-enrolled";
    private const string ErrorQueue = Endpoint + "_error";
    private const string SkippedQueue = Endpoint + "_skipped";
    private const string MemberEnrolled = "Alle.Contracts:MemberEnrolled";

    private readonly DeadLetterClient _messaging = new(app, "messaging");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _messaging.DisposeAsync();

    [Theory]
    [InlineData("ingestion")]
    [InlineData("profiles")]
    [InlineData("audiences")]
    [InlineData("messaging")]
    [InlineData("loyalty")]
    public async Task Every_service_lists_an_error_and_a_skipped_queue_for_each_of_its_endpoints(string service)
    {
        var overview = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/{service}/dead-letters");

        Assert.Equal(service, overview.GetProperty("service").GetString());
        var queues = overview.GetProperty("queues").EnumerateArray().ToList();
        Assert.NotEmpty(queues);
        foreach (var endpoint in queues.GroupBy(q => q.GetProperty("endpoint").GetString()!))
        {
            Assert.StartsWith($"{service}-", endpoint.Key, StringComparison.Ordinal);
            Assert.Equal([$"{endpoint.Key}_error", $"{endpoint.Key}_skipped"], endpoint.Select(q => q.GetProperty("name").GetString()));
            Assert.Equal(["error", "skipped"], endpoint.Select(q => q.GetProperty("kind").GetString()));
        }
    }

    [Fact]
    public async Task Dead_letters_are_for_admins_and_bad_requests_get_problems_that_change_nothing()
    {
        using var anonymous = await app.Gateway.GetAsync(_messaging.Prefix);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var anonymousReplay = await app.Gateway.PostAsJsonAsync($"{_messaging.Prefix}/{ErrorQueue}/replay", new { all = true });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousReplay.StatusCode);

        // Another service's queue is not this service's to touch, nor is any other queue on the broker.
        await AssertProblemAsync(await app.AdminGateway.GetAsync($"{_messaging.Prefix}/profiles-events-ingested_error/messages"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await app.AdminGateway.GetAsync($"{_messaging.Prefix}/{Endpoint}/messages"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await _messaging.PostRawAsync("no-such-queue_error", "discard", """{"all":true}"""), HttpStatusCode.NotFound);
        await AssertProblemAsync(await app.AdminGateway.GetAsync($"{_messaging.Prefix}/{ErrorQueue}/messages?limit=0"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await app.AdminGateway.GetAsync($"{_messaging.Prefix}/{ErrorQueue}/messages?limit=lots"), HttpStatusCode.BadRequest);

        var before = await _messaging.OverviewAsync();
        foreach (var body in new[] { "{}", """{"all":false}""", """{"messageIds":[]}""", """{"messageIds":["42"]}""", $$"""{"all":true,"messageIds":["{{Guid.NewGuid()}}"]}""", "{", "" })
        {
            await AssertProblemAsync(await _messaging.PostRawAsync(ErrorQueue, "replay", body), HttpStatusCode.BadRequest);
            await AssertProblemAsync(await _messaging.PostRawAsync(ErrorQueue, "discard", body), HttpStatusCode.BadRequest);
        }
        var problem = await (await _messaging.PostRawAsync(ErrorQueue, "replay", """{"messageIds":["42"]}""")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("messageIds[0]", out _));
        Assert.Equal(Counts(before), Counts(await _messaging.OverviewAsync()));
    }

    [Fact]
    public async Task A_poison_message_is_shown_with_its_error_replayed_once_and_fails_again_while_a_discard_takes_only_what_it_names()
    {
        var before = await _messaging.MessageIdsAsync(ErrorQueue);
        var othersBefore = Counts(await _messaging.OverviewAsync(), except: ErrorQueue);
        var (kept, discarded) = (Guid.NewGuid(), Guid.NewGuid());
        var phone = TestPhones.New();

        // No member id: Npgsql refuses the consumer's null, untyped parameter, on every retry.
        foreach (var id in new[] { kept, discarded })
        {
            await _messaging.SendAsync(Endpoint, id, MemberEnrolled,
                new { memberId = (string?)null, phone, transactionalConsent = true, marketingConsent = true, consentWording = "wording", source = "dead-letter-tests", enrolledAt = DateTimeOffset.UtcNow });
        }
        var failed = await _messaging.WaitForMessageAsync(ErrorQueue, kept);
        await _messaging.WaitForMessageAsync(ErrorQueue, discarded);

        Assert.Equal(MemberEnrolled, failed.GetProperty("messageType").GetString());
        Assert.Equal("fault", failed.GetProperty("reason").GetString());
        Assert.Equal("System.InvalidOperationException", failed.GetProperty("exceptionType").GetString());
        Assert.Contains("Parameter '$1'", failed.GetProperty("exceptionMessage").GetString(), StringComparison.Ordinal);
        Assert.EndsWith($"/{Endpoint}", failed.GetProperty("inputAddress").GetString(), StringComparison.Ordinal);
        Assert.EndsWith($"/{MemberEnrolled}", failed.GetProperty("destinationAddress").GetString(), StringComparison.Ordinal);
        Assert.Equal("Alle.Messaging.Consent.MemberEnrolledConsumer", failed.GetProperty("consumerType").GetString());
        Assert.Equal("[phone]", failed.GetProperty("body").GetProperty("phone").GetString());
        Assert.DoesNotContain(phone, failed.GetRawText(), StringComparison.Ordinal);
        var firstFailure = failed.GetProperty("failedAt").GetDateTimeOffset();

        var overview = await _messaging.QueueAsync(ErrorQueue);
        Assert.True(overview.GetProperty("messageCount").GetInt64() >= before.Count + 2);
        Assert.Equal((await _messaging.MessageIdsAsync(ErrorQueue))[0], overview.GetProperty("first").GetProperty("messageId").GetString());

        var discard = await _messaging.DiscardAsync(ErrorQueue, discarded);
        Assert.Equal(1, discard.GetProperty("count").GetInt32());
        Assert.Equal([.. before, kept.ToString()], await _messaging.MessageIdsAsync(ErrorQueue));

        var replay = await _messaging.ReplayAsync(ErrorQueue, kept);
        var again = await _messaging.ReplayAsync(ErrorQueue, kept);
        Assert.Equal(1, replay.GetProperty("count").GetInt32());
        Assert.Equal(0, again.GetProperty("count").GetInt32());
        Assert.Equal([kept], again.GetProperty("notFound").EnumerateArray().Select(id => id.GetGuid()));
        Assert.DoesNotContain(kept.ToString(), await _messaging.MessageIdsAsync(ErrorQueue));

        // Still poison: after its retries it is back, once, with a failure of its own.
        var returned = await _messaging.WaitForMessageAsync(ErrorQueue, kept, m => m.GetProperty("failedAt").GetDateTimeOffset() > firstFailure);
        Assert.Equal("System.InvalidOperationException", returned.GetProperty("exceptionType").GetString());
        Assert.Equal([.. before, kept.ToString()], await _messaging.MessageIdsAsync(ErrorQueue));
        Assert.Equal(othersBefore, Counts(await _messaging.OverviewAsync(), except: ErrorQueue));

        Assert.Equal(1, (await _messaging.DiscardAsync(ErrorQueue, kept)).GetProperty("count").GetInt32());
        Assert.Equal(before, await _messaging.MessageIdsAsync(ErrorQueue));
    }

    [Fact]
    public async Task A_message_replayed_once_whatever_failed_it_has_gone_is_consumed_once()
    {
        await _messaging.DeclareAsMassTransitDoesAsync(ErrorQueue);
        var before = await _messaging.MessageIdsAsync(ErrorQueue);
        var messageId = Guid.NewGuid();
        var phone = TestPhones.New();
        var failedAt = DateTime.UtcNow.AddMinutes(-3);

        // As MassTransit moves a message whose consumer failed for a passing reason (the database restarting, say).
        await _messaging.SendAsync(ErrorQueue, messageId, MemberEnrolled,
            new { memberId = $"member-{Guid.NewGuid():N}", phone, transactionalConsent = true, marketingConsent = false, consentWording = "wording", source = "dead-letter-tests", enrolledAt = DateTimeOffset.UtcNow },
            new Dictionary<string, object?>
            {
                ["MT-Reason"] = "fault",
                ["MT-Fault-ExceptionType"] = "Npgsql.NpgsqlException",
                ["MT-Fault-Message"] = "Exception while reading from stream",
                ["MT-Fault-Timestamp"] = failedAt.ToString("O"),
                ["MT-Fault-RetryCount"] = 5,
                ["MT-Fault-InputAddress"] = $"rabbitmq://localhost/{Endpoint}",
            });
        var listed = await _messaging.WaitForMessageAsync(ErrorQueue, messageId, seconds: 20);
        Assert.Equal("Npgsql.NpgsqlException", listed.GetProperty("exceptionType").GetString());
        Assert.Equal(5, listed.GetProperty("retryCount").GetInt32());

        // Two operators (or two replicas) replay it at the same moment: one moves it, the other finds it gone.
        var replays = await Task.WhenAll(_messaging.ReplayAsync(ErrorQueue, messageId), _messaging.ReplayAsync(ErrorQueue, messageId));
        Assert.Equal([0, 1], replays.Select(r => r.GetProperty("count").GetInt32()).Order());
        Assert.Single(replays, r => r.GetProperty("notFound").GetArrayLength() == 1);

        var consent = await Eventually.GetValueAsync<JsonElement>(async () =>
        {
            var read = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/consent/{Uri.EscapeDataString(phone)}");
            return read.GetProperty("audit").GetArrayLength() > 0 ? read : null;
        }, TimeSpan.FromSeconds(30), "the replayed enrolment's consent");
        Assert.Equal(2, consent.GetProperty("audit").GetArrayLength());
        Assert.Equal(before, await _messaging.MessageIdsAsync(ErrorQueue));
    }

    [Fact]
    public async Task A_message_no_consumer_handles_is_skipped_listed_and_discarded_with_its_queue()
    {
        var messageId = Guid.NewGuid();

        await _messaging.SendAsync(Endpoint, messageId, "Alle.Contracts:MemberEnrolledNobodyConsumes", new { memberId = "m-1" });
        var skipped = await _messaging.WaitForMessageAsync(SkippedQueue, messageId, seconds: 30);
        Assert.Equal("Alle.Contracts:MemberEnrolledNobodyConsumes", skipped.GetProperty("messageType").GetString());
        Assert.Equal(JsonValueKind.Null, skipped.GetProperty("exceptionType").ValueKind);
        var queue = await _messaging.QueueAsync(SkippedQueue);
        Assert.Equal("skipped", queue.GetProperty("kind").GetString());
        var count = queue.GetProperty("messageCount").GetInt64();

        var discard = await _messaging.DiscardAsync(SkippedQueue);

        Assert.Equal(count, discard.GetProperty("count").GetInt32());
        Assert.Equal(0, discard.GetProperty("remaining").GetInt64());
        Assert.Empty(await _messaging.MessagesAsync(SkippedQueue));
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    private static Dictionary<string, long> Counts(JsonElement overview, string? except = null) =>
        overview.GetProperty("queues").EnumerateArray()
            .Where(q => q.GetProperty("name").GetString() != except)
            .ToDictionary(q => q.GetProperty("name").GetString()!, q => q.GetProperty("messageCount").GetInt64());
}
