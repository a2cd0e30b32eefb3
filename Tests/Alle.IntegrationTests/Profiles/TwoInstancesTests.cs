using System.Net;
using System.Net.Http.Json;
using Npgsql;
using RabbitMQ.Client;

namespace Alle.IntegrationTests.Profiles;

/// <summary>Two Profiles instances competing for the same queue.</summary>
[Collection(ReplicasCollection.Name)]
public sealed class TwoInstancesTests(ReplicasFixture app)
{
    [Fact]
    public async Task Events_of_the_same_people_resolved_by_two_instances_at_once_still_make_one_profile_per_person()
    {
        await using (var connection = await new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")) }.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            Assert.Equal(2u, (await channel.QueueDeclarePassiveAsync("profiles-events-ingested")).ConsumerCount);
        }

        var run = Guid.NewGuid().ToString("N")[..8];
        var people = Enumerable.Range(0, 25).Select(i => new Person($"u-{run}-{i}", $"a-{run}-{i}", $"b-{run}-{i}",
            TestPhones.New(), $"p{i}-{run}@example.com")).ToList();
        // Every event links two of the person's identifiers; together they connect all five, in whatever order they land.
        var requests = people.SelectMany(p => new object[]
        {
            new { anonymousId = p.Device, @event = "Provider Searched" },
            new { anonymousId = p.Device, @event = "Offer Viewed", context = Events.PhoneContext(p.Phone) },
            new { anonymousId = p.OtherDevice, @event = "Offer Viewed", context = new { traits = new { email = p.Email } } },
            new { userId = p.UserId, @event = "Signed In", context = new { traits = new { email = p.Email } } },
            new { userId = p.UserId, @event = "Phone Verified", context = Events.PhoneContext(p.Phone) },
            new { userId = p.UserId, anonymousId = p.Device, @event = "Offer Redeemed" },
        }).OrderBy(_ => Random.Shared.Next()).ToList();

        var tracking = app.CreateTrackingClient("portal");
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (body, cancellationToken) =>
        {
            using var response = await tracking.PostAsJsonAsync("/v1/track", body, cancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });

        await using var database = NpgsqlDataSource.Create(app.ConnectionString("profilesdb"));
        var userIds = people.Select(p => p.UserId).ToArray();
        var devices = people.SelectMany(p => new[] { p.Device, p.OtherDevice }).ToArray();
        await Eventually.TrueAsync(async () =>
        {
            await using var count = database.CreateCommand("SELECT count(*) FROM events WHERE user_id = ANY($1) OR anonymous_id = ANY($2)");
            count.Parameters.AddWithValue(userIds);
            count.Parameters.AddWithValue(devices);
            return (long)(await count.ExecuteScalarAsync())! == requests.Count;
        }, TimeSpan.FromSeconds(60), "every event resolved");

        foreach (var person in people)
        {
            await using var check = database.CreateCommand("""
                SELECT count(DISTINCT i.profile_id), count(*),
                       (SELECT count(DISTINCT e.profile_id) FROM events e WHERE e.user_id = $1 OR e.anonymous_id = ANY($2)),
                       bool_and(p.merged_into IS NULL)
                FROM identities i JOIN profiles p ON p.id = i.profile_id
                WHERE (i.type, i.value) IN (('user_id', $1), ('anonymous_id', $2[1]), ('anonymous_id', $2[2]), ('phone', $3), ('email', $4))
                """);
            check.Parameters.AddWithValue(person.UserId);
            check.Parameters.AddWithValue(new[] { person.Device, person.OtherDevice });
            check.Parameters.AddWithValue(person.Phone);
            check.Parameters.AddWithValue(person.Email);
            await using var reader = await check.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.True(reader.GetInt64(0) == 1, $"{person.UserId} spread over {reader.GetInt64(0)} profiles");
            Assert.Equal(5, reader.GetInt64(1));
            Assert.Equal(1, reader.GetInt64(2));
            Assert.True(reader.GetBoolean(3));
        }
    }

    [Fact]
    public async Task The_same_batch_delivered_to_both_instances_is_stored_once()
    {
        await using var bus = await EventBusProbe.ConnectAsync(app);
        var userId = $"twice-{Guid.NewGuid():N}";
        var batch = Enumerable.Range(0, 5).Select(i => Events.Track(userId, $"Step {i}", anonymousId: $"device-{userId}-{i}")).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => bus.PublishEventsAsync(batch)));
        var marker = Events.Track(userId, "Marker");
        await bus.PublishEventsAsync(marker);

        await using var database = NpgsqlDataSource.Create(app.ConnectionString("profilesdb"));
        await Eventually.TrueAsync(async () =>
        {
            await using var count = database.CreateCommand("SELECT count(*) FROM events WHERE message_id = $1");
            count.Parameters.AddWithValue(Events.MessageId(marker));
            return (long)(await count.ExecuteScalarAsync())! == 1;
        }, TimeSpan.FromSeconds(30), "the marker resolved");
        // Both instances may still be working on copies published before the marker: wait until the queue is drained.
        await using (var connection = await new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")) }.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await Eventually.TrueAsync(async () => (await channel.QueueDeclarePassiveAsync("profiles-events-ingested")).MessageCount == 0,
                TimeSpan.FromSeconds(30), "the queue drained");
        }

        await using var check = database.CreateCommand("SELECT count(*), count(DISTINCT profile_id) FROM events WHERE user_id = $1");
        check.Parameters.AddWithValue(userId);
        await using var reader = await check.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(6, reader.GetInt64(0));
        Assert.Equal(1, reader.GetInt64(1));
    }

    private sealed record Person(string UserId, string Device, string OtherDevice, string Phone, string Email);
}
