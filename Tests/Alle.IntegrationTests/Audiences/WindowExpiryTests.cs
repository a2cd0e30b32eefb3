using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Audiences;

/// <summary>A member leaves when her window runs out, without any new event (a 20-second window; the service checks every second).</summary>
[Collection(StackCollection.Name)]
public sealed class WindowExpiryTests(DistributedAppFixture app) : IAsyncLifetime
{
    private readonly AudiencesApiClient _api = new(app);
    private ProfileEventBus _bus = null!;

    public async Task InitializeAsync() => _bus = await ProfileEventBus.StartAsync(app);

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task She_leaves_the_audience_and_her_windowed_count_drops_when_the_window_runs_out()
    {
        // Long enough for her event to be processed inside the window on a busy two-core machine, short enough for a test.
        const int windowSeconds = 20;
        var window = TimeSpan.FromSeconds(windowSeconds);
        var eventName = $"Provider Searched {Guid.NewGuid():N}";
        var key = AudiencesApiClient.UniqueKey("recent");
        await _api.CreateAudienceAsync(key, $$"""{"event": "{{eventName}}", "within": "{{windowSeconds}}s"}""");
        var trait = $"recent_{Guid.NewGuid():N}"[..20];
        var created = await _api.Http.PostAsJsonAsync("/api/audiences/computed-traits", new
        {
            key = trait,
            name = "Recent searches",
            definition = new { kind = "counter", @event = eventName, within = $"{windowSeconds}s" },
        });
        created.EnsureSuccessStatusCode();
        await _api.WaitUntilComputedAsync(key);
        var profileId = Guid.NewGuid();

        var searchedAt = DateTimeOffset.UtcNow;
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, $"member-{Guid.NewGuid():N}", eventName, timestamp: searchedAt));
        // Her membership and her windowed count, read together while she is in.
        var inside = await Eventually.GetValueAsync(async () => await _api.ProfileAsync(profileId.ToString()) is { } profile
            && profile.GetProperty("audiences").EnumerateArray().Any(audience => audience.GetProperty("key").GetString() == key) ? profile : (JsonElement?)null,
            window, "her entry");
        Assert.Equal(1, inside.GetProperty("computedTraits").GetProperty(trait).GetInt32());

        await Eventually.TrueAsync(async () => !await _api.IsMemberAsync(profileId.ToString(), key), window + TimeSpan.FromSeconds(40), "her exit when the window ran out");
        var history = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/audiences/{key}/history");
        var exit = history.GetProperty("data").EnumerateArray().First();
        Assert.Equal("exited", exit.GetProperty("change").GetString());
        Assert.Equal("window", exit.GetProperty("reason").GetString());
        // Never before the window ran out; how soon after depends on the machine's load, so only the wait above bounds it.
        Assert.True(exit.GetProperty("at").GetDateTimeOffset() - searchedAt >= window, "she left before her window ran out");
        Assert.Equal(0, (await _api.ProfileAsync(profileId.ToString()))!.Value.GetProperty("computedTraits").GetProperty(trait).GetInt32());
        await Eventually.GetAsync(() => Task.FromResult(_bus.MembershipChanges.FirstOrDefault(change => change.ProfileId == profileId && change.AudienceKey == key && !change.Entered)),
            TimeSpan.FromSeconds(30), "the exit published");
    }
}
