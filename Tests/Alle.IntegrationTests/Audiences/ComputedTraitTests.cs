using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Audiences;

[Collection(StackCollection.Name)]
public sealed class ComputedTraitTests(DistributedAppFixture app) : IAsyncLifetime
{
    private readonly AudiencesApiClient _api = new(app);
    private readonly AudiencesDatabase _database = new(app);
    private ProfileEventBus _bus = null!;

    public async Task InitializeAsync() => _bus = await ProfileEventBus.StartAsync(app);

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task A_new_trait_is_backfilled_then_kept_exact_incrementally_even_when_an_event_is_redelivered()
    {
        var profileId = Guid.NewGuid();
        var userId = $"member-{Guid.NewGuid():N}";
        var eventName = $"Order Completed {Guid.NewGuid():N}";
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, eventName, new { total = 10 }));
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, eventName, new { total = 20.5 }));
        await Eventually.TrueAsync(async () => await _database.ScalarAsync<long>("SELECT count(*) FROM events WHERE profile_id = $1", profileId) == 2,
            TimeSpan.FromSeconds(30), "both orders stored");

        var key = $"spend_{Guid.NewGuid():N}"[..20];
        var created = await _api.Http.PostAsJsonAsync("/api/audiences/computed-traits", new
        {
            key,
            name = "Lifetime spend",
            definition = new { kind = "aggregation", function = "sum", @event = eventName, property = "total" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(30.5m, await ValueAsync(profileId, key, expected: 30.5m));

        var third = ProfileEventBus.Tracked(profileId, userId, eventName, new { total = 4.5 });
        await _bus.PublishAsync(third);
        Assert.Equal(35m, await ValueAsync(profileId, key, expected: 35m));
        await _bus.PublishAsync(third);
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, "Marker"));
        await Eventually.TrueAsync(async () => await _database.LastEventAsync(profileId) == "Marker", TimeSpan.FromSeconds(30), "the marker after the redelivery");
        Assert.Equal(35m, await ValueAsync(profileId, key, expected: 35m));

        // The value reaches her profile as identify calls, one per change, with message ids that a retry cannot duplicate.
        var identifies = (await _database.CallsAsync(profileId)).Select(call => JsonDocument.Parse(call).RootElement)
            .Where(call => call.GetProperty("type").GetString() == "identify" && call.GetProperty("traits").TryGetProperty(key, out _)).ToList();
        Assert.Equal([30.5m, 35m], identifies.Select(call => call.GetProperty("traits").GetProperty(key).GetDecimal()));
        Assert.All(identifies, call => Assert.Equal(userId, call.GetProperty("userId").GetString()));
        Assert.Equal(2, identifies.Select(call => call.GetProperty("messageId").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task An_audience_on_a_computed_trait_follows_its_value()
    {
        var eventName = $"Provider Viewed {Guid.NewGuid():N}";
        var key = $"views_{Guid.NewGuid():N}"[..20];
        var trait = await _api.Http.PostAsJsonAsync("/api/audiences/computed-traits", new
        {
            key,
            name = "Provider views",
            definition = new { kind = "counter", @event = eventName },
        });
        Assert.Equal(HttpStatusCode.Created, trait.StatusCode);
        var audience = AudiencesApiClient.UniqueKey("frequent-viewers");
        await _api.CreateAudienceAsync(audience, $$"""{"computedTrait": "{{key}}", "operator": "greaterThanOrEqual", "value": 2}""");
        var profileId = Guid.NewGuid();

        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, null, eventName));
        Assert.Equal(1m, await ValueAsync(profileId, key, expected: 1m));
        Assert.False(await _api.IsMemberAsync(profileId.ToString(), audience));
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, null, eventName));
        await Eventually.TrueAsync(() => _api.IsMemberAsync(profileId.ToString(), audience), TimeSpan.FromSeconds(30), "her entry on the second view");
        Assert.Empty(await _database.CallsAsync(profileId));

        // Anonymous so far, so nothing could be sent; once she signs in, her current value reaches her profile.
        var userId = $"member-{Guid.NewGuid():N}";
        await _bus.PublishAsync(ProfileEventBus.Identified(profileId, userId, new { plan = "gold" }));
        var identify = await Eventually.GetValueAsync(async () => (await _database.CallsAsync(profileId)).Select(call => JsonDocument.Parse(call).RootElement)
            .Where(call => call.GetProperty("type").GetString() == "identify").Select(call => (JsonElement?)call).FirstOrDefault(),
            TimeSpan.FromSeconds(30), "the identify with her current value");
        Assert.Equal(userId, identify.GetProperty("userId").GetString());
        Assert.Equal(2, identify.GetProperty("traits").GetProperty(key).GetInt32());
    }

    [Fact]
    public async Task Invalid_definitions_and_unknown_traits_get_problem_responses()
    {
        var invalid = await _api.Http.PostAsJsonAsync("/api/audiences/computed-traits", new
        {
            key = "Not A Key",
            name = "x",
            definition = new { kind = "aggregation", @event = "Order Completed", property = "total" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problem = await invalid.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("$.key", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("$.definition.function", out _));

        var missing = await _api.Http.GetAsync("/api/audiences/computed-traits/no_such_trait");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    private async Task<decimal> ValueAsync(Guid profileId, string key, decimal expected) =>
        await Eventually.GetValueAsync<decimal>(async () =>
            await _api.ProfileAsync(profileId.ToString()) is { } profile
            && profile.GetProperty("computedTraits").TryGetProperty(key, out var value) && value.GetDecimal() == expected
                ? value.GetDecimal()
                : null, TimeSpan.FromSeconds(30), $"{key} = {expected}");
}
