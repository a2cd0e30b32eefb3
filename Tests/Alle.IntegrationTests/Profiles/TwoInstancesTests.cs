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

    [Fact]
    public async Task A_change_is_served_by_both_instances_as_soon_as_its_ProfileUpdated_is_out()
    {
        await using var member = await CachedMember.ReadByBothAsync(app, "silver");
        // Both instances answer from a cache: a change made behind the service's back is seen by neither.
        await using (var database = NpgsqlDataSource.Create(app.ConnectionString("profilesdb")))
        await using (var behindTheBack = database.CreateCommand("""
            UPDATE profiles SET traits = jsonb_set(traits, '{tier,value}', '"bronze"')
            WHERE id = (SELECT profile_id FROM identities WHERE type = 'user_id' AND value = $1)
            """))
        {
            behindTheBack.Parameters.AddWithValue(member.UserId);
            Assert.Equal(1, await behindTheBack.ExecuteNonQueryAsync());
        }
        await member.ReadOnBothAsync("silver");

        // Whichever instance resolves an event, the other one has heard of the change before its ProfileUpdated is out.
        for (var round = 1; round <= 6; round++)
        {
            await member.IdentifyAsync($"tier-{round}");
            await member.ReadOnBothAsync($"tier-{round}");
        }
    }

    [Fact]
    public async Task An_instance_that_loses_the_invalidation_channel_never_serves_a_change_it_missed()
    {
        await using var member = await CachedMember.ReadByBothAsync(app, "silver");

        // Redis drops every subscriber's connection and, for a while, refuses new ones: changes made meanwhile are
        // announced to nobody, so an instance must stop answering from memory once its subscription is gone. It learns
        // that when its socket closes (milliseconds, later on a starved machine), so the changes start once both know.
        await Eventually.TrueAsync(async () => (await LayersOnAsync()).All(on => on), TimeSpan.FromSeconds(30),
            "both instances to answer from memory");
        await using var redis = await ConnectAsAdminAsync();
        var admin = redis.GetDatabase();
        var maxClients = (string)(await admin.ExecuteAsync("CONFIG", "GET", "maxclients"))[1]!;
        try
        {
            var connected = await CountClientsAsync(admin);
            var subscribers = await CountClientsAsync(admin, "TYPE", "pubsub");
            Assert.True(subscribers >= 2, $"{subscribers} subscribers: both instances should listen for invalidations");
            await admin.ExecuteAsync("CONFIG", "SET", "maxclients", (connected - subscribers).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await admin.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
            await Eventually.TrueAsync(async () => !(await LayersOnAsync()).Any(on => on), TimeSpan.FromSeconds(30),
                "both instances to switch their in-process layer off");
            for (var round = 1; round <= 4; round++)
            {
                await member.IdentifyAsync($"tier-{round}");
                await member.ReadOnBothAsync($"tier-{round}");
            }
        }
        finally
        {
            await admin.ExecuteAsync("CONFIG", "SET", "maxclients", maxClients);
        }

        // Once the channel is back, changes keep reaching both instances.
        await Eventually.TrueAsync(async () => await CountClientsAsync(admin, "TYPE", "pubsub") >= 2, TimeSpan.FromSeconds(30),
            "both instances subscribed again");
        for (var round = 5; round <= 7; round++)
        {
            await member.IdentifyAsync($"tier-{round}");
            await member.ReadOnBothAsync($"tier-{round}", times: 2);
        }
    }

    [Fact]
    public async Task A_change_Redis_failed_to_record_is_served_by_both_instances_seconds_after_Redis_recovers()
    {
        await using var member = await CachedMember.ReadByBothAsync(app, "silver");

        // Redis refuses the generation increments while still answering reads: the change is committed and published,
        // but the cached copies of the old profile stay reachable until the invalidation is retried.
        await using var redis = await ConnectAsAdminAsync();
        var admin = redis.GetDatabase();
        await admin.ExecuteAsync("ACL", "SETUSER", "default", "-incr");
        try
        {
            await member.IdentifyAsync("gold");
        }
        finally
        {
            await admin.ExecuteAsync("ACL", "SETUSER", "default", "+incr");
        }

        // No further change comes along to carry the retry: the instances retry by themselves.
        await Eventually.TrueAsync(async () => await member.TiersAsync() is ["gold", "gold"], TimeSpan.FromSeconds(15),
            "both instances serving the change once Redis accepts writes again");
    }

    /// <summary>Whether each Profiles instance answers from memory, as the instance logs its in-process layer going on and off.</summary>
    private async Task<bool[]> LayersOnAsync() => await Task.WhenAll(app.Resources.Instances("profiles").Select(async instance =>
        await app.Resources.CountLogLinesAsync(instance.ResourceId, "In-process profile cache on")
        > await app.Resources.CountLogLinesAsync(instance.ResourceId, "In-process profile cache off")));

    private async Task<StackExchange.Redis.ConnectionMultiplexer> ConnectAsAdminAsync()
    {
        var options = StackExchange.Redis.ConfigurationOptions.Parse(app.ConnectionString("cache"));
        options.AllowAdmin = true;
        return await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options);
    }

    private static async Task<int> CountClientsAsync(StackExchange.Redis.IDatabase admin, params object[] filter) =>
        ((string)(await admin.ExecuteAsync("CLIENT", ["LIST", .. filter]))!).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>A member whose traits are read from each Profiles instance directly, bypassing the gateway.</summary>
    private sealed class CachedMember : IAsyncDisposable
    {
        private readonly EventBusProbe _bus;
        private readonly List<HttpClient> _instances;
        private readonly string _path;
        private int _round;

        private CachedMember(EventBusProbe bus, List<HttpClient> instances)
        {
            _bus = bus;
            _instances = instances;
            _path = $"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{UserId}/traits";
        }

        public string UserId { get; } = $"two-caches-{Guid.NewGuid():N}";

        /// <summary>A new member with <paramref name="tier"/>, read three times from each instance so both have her cached.</summary>
        public static async Task<CachedMember> ReadByBothAsync(ReplicasFixture app, string tier)
        {
            var instances = Enumerable.Range(0, 2).Select(replica =>
            {
                var client = new HttpClient { BaseAddress = app.Resources.Instances("profiles")[replica].DirectUrl };
                client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", app.AdminKey);
                return client;
            }).ToList();
            var member = new CachedMember(await EventBusProbe.ConnectAsync(app, "ProfileUpdated"), instances);
            try
            {
                await member.IdentifyAsync(tier);
                await member.ReadOnBothAsync(tier, times: 3);
                return member;
            }
            catch
            {
                await member.DisposeAsync();
                throw;
            }
        }

        /// <summary>Sets the tier and waits until the change's <c>ProfileUpdated</c> is published.</summary>
        public async Task IdentifyAsync(string tier)
        {
            var update = Events.Identify(UserId, new { tier }, timestamp: DateTimeOffset.UtcNow.AddSeconds(++_round));
            await _bus.PublishEventsAsync(update);
            await _bus.WaitForAsync("ProfileUpdated", u => u.GetProperty("trigger").GetProperty("messageId").GetString() == Events.MessageId(update),
                $"ProfileUpdated for {tier}");
        }

        public async Task ReadOnBothAsync(string expectedTier, int times = 1)
        {
            for (var i = 0; i < times; i++)
            {
                var tiers = await TiersAsync();
                Assert.True(tiers.All(tier => tier == expectedTier), $"the instances answered tiers {string.Join(", ", tiers)}, not {expectedTier}");
            }
        }

        /// <summary>The tier each instance answers, instance 0 first.</summary>
        public async Task<string?[]> TiersAsync()
        {
            var tiers = new List<string?>();
            foreach (var instance in _instances)
            {
                using var response = await instance.GetAsync(_path);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                tiers.Add((await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("traits").GetProperty("tier").GetString());
            }
            return [.. tiers];
        }

        public async ValueTask DisposeAsync()
        {
            _instances.ForEach(instance => instance.Dispose());
            await _bus.DisposeAsync();
        }
    }

    private sealed record Person(string UserId, string Device, string OtherDevice, string Phone, string Email);
}
