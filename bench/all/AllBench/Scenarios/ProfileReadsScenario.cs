using System.Net.Http.Headers;
using Alle.Bench.All.Baselines;
using Alle.Bench.All.Load;
using Alle.Bench.All.Reporting;

namespace Alle.Bench.All.Scenarios;

/// <summary>
/// The Profile API from cache under load: GETs of 1,000 profiles' traits directly on Profiles at a fixed rate (as
/// bench/profiles does) while the application takes 1,000 events/s of background tracking, and Profiles' own
/// <c>/alive</c> at the same rate under the same load as the floor.
/// </summary>
internal static class ProfileReadsScenario
{
    private const int Rate = 500;
    private const int People = 1_000;

    public static async Task RunAsync(BenchRun run, int backgroundEventsPerSecond)
    {
        const string Name = "profile API";
        var app = run.App;
        using var background = new TrackingTraffic(app.Endpoint("gateway"), app.WriteKey("portal"), $"pr{Guid.NewGuid():N}"[..10] + "-");
        using var stopBackground = new CancellationTokenSource();
        var load = background.RunAsync(backgroundEventsPerSecond, 10, TimeSpan.FromHours(1), stopBackground.Token);

        using var client = FixedRateGets.Client(app.Endpoint("profiles"));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", app.AdminKey);
        // The background load's first users; each read once until found, so the measured reads come from the cache.
        string PathOf(int i) => $"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{background.RunId}user-{i % People + 1}/traits";
        Console.Error.WriteLine($"{Name}: waiting for {People:N0} profiles of the background load…");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        for (var i = 0; i < People; i++)
        {
            while (true)
            {
                using var response = await client.GetAsync(PathOf(i));
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Profile {i} of the background load not found: {(int)response.StatusCode}");
                }
                await Task.Delay(200);
            }
        }
        await FixedRateGets.RunAsync(client, PathOf, Rate, TimeSpan.FromSeconds(2));

        Console.Error.WriteLine($"{Name}: {Rate}/s reads of cached traits for {run.ScenarioDuration.TotalSeconds:0} s, then /alive, under {backgroundEventsPerSecond:N0} events/s…");
        var reads = await run.MeasureCoresAsync(Name, () => FixedRateGets.RunAsync(client, PathOf, Rate, run.ScenarioDuration));
        var floor = await FixedRateGets.RunAsync(client, _ => "/alive", Rate, run.ScenarioDuration);
        await stopBackground.CancelAsync();
        var backgroundResult = await load;

        var p99 = reads.Percentile(0.99);
        run.Add(new Result(Name, $"/traits p99 ms at {Rate}/s direct to profiles (p50 {reads.Percentile(0.5):0.00} ms, {reads.Errors} errors; " +
            $"background {backgroundResult.AcceptedEvents / backgroundResult.Elapsed.TotalSeconds:N0} events/s accepted, failed calls: {backgroundResult.FailureSummary})",
            p99, "ms", "p99 < 5 ms", floor.Percentile(0.99), "profiles /alive p99 same load", reads.Errors == 0 && p99 < 5));
    }
}
