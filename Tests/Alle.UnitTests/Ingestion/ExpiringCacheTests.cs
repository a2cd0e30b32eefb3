using Alle.Ingestion.Caching;
using Microsoft.Extensions.Time.Testing;

namespace Alle.UnitTests.Ingestion;

public sealed class ExpiringCacheTests
{
    private static readonly TimeSpan s_keepFor = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 8, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Callers_arriving_while_a_value_loads_share_that_one_load()
    {
        var cache = new ExpiringCache<string>(s_keepFor, _clock);
        var release = new TaskCompletionSource<string>();
        var loads = 0;
        Task<string> Load(CancellationToken _)
        {
            Interlocked.Increment(ref loads);
            return release.Task;
        }

        var waiting = Enumerable.Range(0, 50).Select(_ => cache.GetAsync("portal", Load, CancellationToken.None).AsTask()).ToList();
        release.SetResult("source portal");

        Assert.All(await Task.WhenAll(waiting), value => Assert.Equal("source portal", value));
        Assert.Equal(1, loads);
    }

    [Fact]
    public async Task A_value_is_kept_until_it_expires_and_then_loaded_once_more()
    {
        var cache = new ExpiringCache<int>(s_keepFor, _clock);
        var loads = 0;
        Task<int> Load(CancellationToken _) => Task.FromResult(Interlocked.Increment(ref loads));

        Assert.Equal(1, await cache.GetAsync("portal", Load, CancellationToken.None));
        _clock.Advance(s_keepFor - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, await cache.GetAsync("portal", Load, CancellationToken.None));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, await cache.GetAsync("portal", Load, CancellationToken.None));
        Assert.Equal(2, await cache.GetAsync("portal", Load, CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_load_reaches_every_waiting_caller_and_is_not_kept()
    {
        var cache = new ExpiringCache<int>(s_keepFor, _clock);
        var failing = new TaskCompletionSource<int>();
        var first = cache.GetAsync("portal", _ => failing.Task, CancellationToken.None).AsTask();
        var second = cache.GetAsync("portal", _ => Task.FromResult(99), CancellationToken.None).AsTask();

        failing.SetException(new TimeoutException("database unreachable"));

        await Assert.ThrowsAsync<TimeoutException>(() => first);
        await Assert.ThrowsAsync<TimeoutException>(() => second);
        Assert.Equal(7, await cache.GetAsync("portal", _ => Task.FromResult(7), CancellationToken.None));
    }

    [Fact]
    public async Task A_value_set_or_removed_here_applies_at_once()
    {
        var cache = new ExpiringCache<string?>(s_keepFor, _clock);
        Assert.Equal("old", await cache.GetAsync("portal", _ => Task.FromResult<string?>("old"), CancellationToken.None));

        cache.Set("portal", "new");
        Assert.Equal("new", await cache.GetAsync("portal", _ => Task.FromResult<string?>("loaded"), CancellationToken.None));

        cache.Remove("portal");
        Assert.Equal("loaded", await cache.GetAsync("portal", _ => Task.FromResult<string?>("loaded"), CancellationToken.None));

        cache.Clear();
        Assert.Null(await cache.GetAsync("portal", _ => Task.FromResult<string?>(null), CancellationToken.None));
    }

    [Fact]
    public async Task A_caller_that_gives_up_does_not_cancel_the_load_others_wait_for()
    {
        var cache = new ExpiringCache<int>(s_keepFor, _clock);
        var release = new TaskCompletionSource<int>();
        CancellationToken seen = default;
        var patient = cache.GetAsync("portal", token => { seen = token; return release.Task; }, CancellationToken.None).AsTask();
        using var impatient = new CancellationTokenSource();
        var givingUp = cache.GetAsync("portal", _ => Task.FromResult(0), impatient.Token).AsTask();

        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => givingUp);
        release.SetResult(42);

        Assert.Equal(42, await patient);
        Assert.False(seen.CanBeCanceled);
    }

    [Fact]
    public async Task A_flood_of_unknown_keys_does_not_grow_the_cache_without_bound()
    {
        var cache = new ExpiringCache<int>(s_keepFor, _clock, maxEntries: 3);
        var loads = 0;
        Task<int> Load(CancellationToken _) => Task.FromResult(Interlocked.Increment(ref loads));

        foreach (var key in new[] { "a", "b", "c", "d" })
        {
            await cache.GetAsync(key, Load, CancellationToken.None);
        }
        await cache.GetAsync("a", Load, CancellationToken.None);

        Assert.Equal(5, loads); // "a" was dropped when "d" arrived, so it loaded again
    }
}
