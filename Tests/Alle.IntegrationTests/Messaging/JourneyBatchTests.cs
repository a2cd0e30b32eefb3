using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Contracts;
using Npgsql;

namespace Alle.IntegrationTests.Messaging;

/// <summary>
/// The journey runner claims due entries in batches and saves each batch in one transaction. These tests make a group
/// of entries due at the same instant — they wait in a <c>wait</c> step while the journey is paused, then it resumes —
/// so one pass claims them all (the step log shows one completion instant for the whole group), and check what each
/// entry of that batch got.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class JourneyBatchTests(DistributedAppFixture app)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private const string Hold = "hold";
    private readonly MessagingClient _messaging = new(app);

    private async Task<(string JourneyId, string AudienceKey)> CreateJourneyAsync(params string[] texts)
    {
        var audienceKey = $"batch-{Guid.NewGuid():N}";
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/messaging/journeys", new
        {
            name = "Batch",
            trigger = new { type = "audience", audienceKey },
            steps = new object[] { new { id = Hold, type = "wait", duration = "20s" } }
                .Concat(texts.Select((text, i) => (object)new { id = $"text{i}", type = "send_sms", template = $"{text} {{{{ traits.firstName }}}}" }))
                .ToArray(),
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return ((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!, audienceKey);
    }

    /// <summary>
    /// Enters everyone (each audience event delivered twice), lets them reach the wait, pauses the journey until all of
    /// them are due, and resumes it: the next pass claims them together.
    /// </summary>
    private async Task EnterAndReleaseTogetherAsync(string journeyId, string audienceKey, IReadOnlyList<JourneyMember> people)
    {
        await using var bus = await EventBusProbe.StartAsync(app);
        foreach (var member in people)
        {
            var entered = new AudienceMembershipChanged(Guid.NewGuid(), audienceKey, member.ProfileId, member.MemberId, true, DateTimeOffset.UtcNow);
            await bus.PublishAsync(entered);
            await bus.PublishAsync(entered);
        }
        await Eventually.TrueAsync(async () => await ScalarAsync<long>("""
            SELECT count(*) FROM journey_entries e JOIN journey_step_log l ON l.entry_id = e.id AND l.step_id = $2
            WHERE e.journey_id = $1::uuid AND e.status = 'waiting' AND e.step_id = $2
            """, journeyId, Hold) == people.Count, s_timeout, "everyone waiting at the hold step");
        using (var paused = await app.AdminGateway.PostAsync($"/api/messaging/journeys/{journeyId}/pause", null))
        {
            Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        }
        await Eventually.TrueAsync(async () => await ScalarAsync<bool>("SELECT max(due_at) < now() FROM journey_entries WHERE journey_id = $1::uuid", journeyId),
            s_timeout, "every entry due while the journey is paused");
        using var resumed = await app.AdminGateway.PostAsync($"/api/messaging/journeys/{journeyId}/resume", null);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
    }

    [Fact]
    public async Task Entries_due_together_each_get_exactly_one_text_per_step()
    {
        string[] texts = ["Batch hello", "Batch again"];
        var (journeyId, audienceKey) = await CreateJourneyAsync(texts);
        var names = Enumerable.Range(0, 12).Select(i => $"Batch{i}").ToArray();
        var people = await Task.WhenAll(names.Select(name => JourneyMember.EnrolAsync(app, name)));

        await EnterAndReleaseTogetherAsync(journeyId, audienceKey, people);

        await Eventually.TrueAsync(async () => await ScalarAsync<long>(
            "SELECT count(*) FROM journey_entries WHERE journey_id = $1::uuid AND status = 'completed'", journeyId) == people.Length,
            s_timeout, "every entry completed");
        Assert.Equal((people.Length * texts.Length, 1L), await TwoCountsAsync("""
            SELECT count(*), count(DISTINCT l.completed_at) FROM journey_step_log l JOIN journey_entries e ON e.id = l.entry_id
            WHERE e.journey_id = $1::uuid AND l.step_id LIKE 'text%'
            """, journeyId));
        for (var i = 0; i < people.Length; i++)
        {
            // Sent side by side, the two steps' texts may arrive in either order: wait for both.
            foreach (var text in texts)
            {
                await _messaging.WaitForTextAsync(people[i].Phone, text);
            }
            var received = (await _messaging.MessagesToAsync(people[i].Phone)).Select(m => m.GetProperty("body").GetString()!).Order().ToList();
            Assert.Equal(texts.Select(text => $"{text} {names[i]}").Order(), received);
        }
        Assert.Equal(people.Length * texts.Length, await ScalarAsync<long>("SELECT count(*) FROM messages WHERE journey_id = $1::uuid", journeyId));
    }

    [Fact]
    public async Task An_entry_whose_step_cannot_run_holds_back_nobody_else_in_its_batch()
    {
        var (journeyId, audienceKey) = await CreateJourneyAsync("Batch offer");
        var names = Enumerable.Range(0, 6).Select(i => $"Offer{i}").ToArray();
        var consenting = await Task.WhenAll(names.Select(name => JourneyMember.EnrolAsync(app, name)));
        var withoutConsent = await JourneyMember.EnrolAsync(app, "Quiet", marketingConsent: false);

        await EnterAndReleaseTogetherAsync(journeyId, audienceKey, [.. consenting.Take(3), withoutConsent, .. consenting.Skip(3)]);

        await Eventually.TrueAsync(async () => await ScalarAsync<long>(
            "SELECT count(*) FROM journey_entries WHERE journey_id = $1::uuid AND status = 'completed'", journeyId) == consenting.Length,
            s_timeout, "every consenting member's entry completed");
        for (var i = 0; i < consenting.Length; i++)
        {
            Assert.Equal($"Batch offer {names[i]}", (await _messaging.WaitForTextAsync(consenting[i].Phone, "Batch offer")).GetProperty("body").GetString());
        }
        Assert.Empty(await _messaging.MessagesToAsync(withoutConsent.Phone));
        Assert.Equal(("waiting_contact", "waiting_for_consent"), await WaitingAsync(journeyId, withoutConsent));
        // She reached the text step in the same pass as the others (one arrival instant for all seven), and nobody failed.
        Assert.Equal((consenting.Length + 1L, 1L), await TwoCountsAsync("""
            SELECT count(*), count(DISTINCT l.arrived_at) FROM journey_step_log l JOIN journey_entries e ON e.id = l.entry_id
            WHERE e.journey_id = $1::uuid AND l.step_id = 'text0'
            """, journeyId));
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM journey_entries WHERE journey_id = $1::uuid AND status = 'failed'", journeyId));
    }

    /// <summary>
    /// Profile update batches consumed side by side that name the same people in different orders: each batch records
    /// every user id it learns, and none deadlocks another (the faults benchmark's 1,000 people entering a journey at
    /// once deadlocked the consumer about 1,500 times in 10 minutes when rows were locked in each batch's own order).
    /// </summary>
    [Fact]
    public async Task Update_batches_naming_the_same_people_in_different_orders_never_deadlock()
    {
        const int People = 100, Batches = 40;
        var people = Enumerable.Range(0, People).Select(_ => (ProfileId: Guid.NewGuid(), UserId: $"member-{Guid.NewGuid():N}")).ToList();
        var lastOfEach = Enumerable.Range(0, Batches).Select(_ => (ProfileId: Guid.NewGuid(), UserId: $"member-{Guid.NewGuid():N}")).ToList();
        var deadlocksBefore = await ScalarAsync<long>("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()");

        await using var bus = await EventBusProbe.StartAsync(app);
        var random = new Random(18);
        await Task.WhenAll(Enumerable.Range(0, Batches).Select(batch => bus.PublishAsync(new ProfilesUpdated(
            [.. people.OrderBy(_ => random.Next()).Append(lastOfEach[batch])
                .Select(person => new ProfileUpdated(person.ProfileId, person.UserId, new Dictionary<string, JsonElement>(), null, DateTimeOffset.UtcNow))]))));

        // Each batch ends with a person of its own: when all of them are known, every batch has been applied.
        Guid[] everyone = [.. people.Concat(lastOfEach).Select(person => person.ProfileId)];
        await Eventually.TrueAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM profile_links WHERE profile_id = ANY($1) AND user_id IS NOT NULL", everyone)
            == People + Batches, s_timeout, "every batch applied");
        Assert.Equal(deadlocksBefore, await ScalarAsync<long>("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"));
    }

    private async Task<(string Status, string? Reason)> WaitingAsync(string journeyId, JourneyMember member)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString("messagingdb"));
        await using var command = dataSource.CreateCommand("""
            SELECT e.status, l.reason FROM journey_entries e JOIN journey_step_log l ON l.entry_id = e.id AND l.step_id = e.step_id
            WHERE e.journey_id = $1::uuid AND e.user_id = $2
            """);
        command.Parameters.AddWithValue(journeyId);
        command.Parameters.AddWithValue(member.MemberId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "her entry");
        return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    private async Task<T> ScalarAsync<T>(string sql, params object[] values)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString("messagingdb"));
        await using var command = Command(dataSource, sql, values);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task<(long, long)> TwoCountsAsync(string sql, params object[] values)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString("messagingdb"));
        await using var command = Command(dataSource, sql, values);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static NpgsqlCommand Command(NpgsqlDataSource dataSource, string sql, object[] values)
    {
        var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(value);
        }
        return command;
    }
}
