using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Hosting;

namespace Alle.AppHost.Demo;

/// <summary>
/// What a new developer finds in development without setting anything up: an offer for everyone, a flash offer at a few
/// providers, the north-star audience ("searched for providers in the last 30 days and never redeemed an offer") with
/// its journey texting that offer's coupon, and the Flash Rewards journey texting a check-in's flash coupon. The
/// providers come with Loyalty's own migration. Each item is created only if nothing of its name exists, so restarts
/// (and a deleted item, which is not recreated while one of that name remains) leave the program as it is.
/// </summary>
public static class DemoProgram
{
    public const string EveryoneOfferTitle = "Welcome: $20 off your next treatment";
    public const string FlashOfferTitle = "Flash Reward: $25 off today";
    public const string NorthStarAudienceKey = "north-star";
    public const string NorthStarJourneyName = "North star: first-visit coupon";
    public const string FlashRewardsJourneyName = "Flash Rewards";

    /// <summary>Where the demo flash offer runs: clinics in New York, Los Angeles and Denver.</summary>
    public static readonly string[] FlashProviders = ["prv_chelsea_skin", "prv_rodeo_derm", "prv_cherry_creek"];

    public const string NorthStarTemplate =
        "Allē: {{ traits.firstName }}, here is ${{ coupon.value }} off your first visit: code {{ coupon.code }}. Show it at the desk. Reply STOP to opt out.";

    public const string FlashRewardsTemplate =
        "Allē: thanks for visiting {{ event.providerName }}! ${{ coupon.value }} off today with code {{ coupon.code }}. Reply STOP to opt out.";

    /// <summary>On by default in development only (<c>AppHost:SeedDemo</c> turns it on or off anywhere).</summary>
    public static IDistributedApplicationBuilder SeedDemoProgram(this IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsRunMode && builder.Configuration.GetValue("AppHost:SeedDemo", builder.Environment.IsDevelopment()))
        {
            builder.Services.AddHostedService<DemoSeeder>();
        }
        return builder;
    }

    public static object NorthStarCondition { get; } = new
    {
        and = new object[] { new { @event = "Provider Searched", within = "30d" }, new { not = new { @event = "Offer Redeemed" } } },
    };

    /// <summary>Seeds through the gateway with the admin key, as an operator would; answers what it created.</summary>
    public static async Task<IReadOnlyList<string>> SeedAsync(HttpClient admin, TimeProvider clock, CancellationToken cancellationToken)
    {
        var created = new List<string>();
        var endsAt = clock.GetUtcNow().AddYears(1);
        var offers = await admin.GetFromJsonAsync<JsonElement>("/api/loyalty/offers", cancellationToken);
        string? OfferId(string title) => offers.EnumerateArray()
            .Where(o => o.GetProperty("title").GetString() == title && o.GetProperty("active").GetBoolean())
            .Select(o => o.GetProperty("offerId").GetString()).FirstOrDefault();

        var everyoneOffer = OfferId(EveryoneOfferTitle);
        if (everyoneOffer is null)
        {
            everyoneOffer = await CreateAsync(admin, "/api/loyalty/offers", new
            {
                title = EveryoneOfferTitle, description = "For every member, at any participating provider.", value = 20, endsAt, couponValidDays = 30,
            }, "offerId", cancellationToken);
            created.Add("everyone offer");
        }
        if (OfferId(FlashOfferTitle) is null)
        {
            await CreateAsync(admin, "/api/loyalty/flash-offers", new
            {
                title = FlashOfferTitle, description = "Check in at one of these clinics to get it.", value = 25, providerIds = FlashProviders, endsAt, couponValidDays = 7,
            }, "offerId", cancellationToken);
            created.Add("flash offer");
        }
        using (var audience = await admin.GetAsync($"/api/audiences/{NorthStarAudienceKey}", cancellationToken))
        {
            if (audience.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                await CreateAsync(admin, "/api/audiences", new
                {
                    key = NorthStarAudienceKey, name = "Searched for providers, never redeemed an offer",
                    description = "Searched for providers in the last 30 days and never redeemed an offer.", condition = NorthStarCondition,
                }, null, cancellationToken);
                created.Add("north-star audience");
            }
        }
        var journeys = (await admin.GetFromJsonAsync<JsonElement>("/api/messaging/journeys", cancellationToken)).GetProperty("data").EnumerateArray()
            .Select(j => j.GetProperty("name").GetString()).ToHashSet(StringComparer.Ordinal);
        if (!journeys.Contains(NorthStarJourneyName))
        {
            await CreateAsync(admin, "/api/messaging/journeys", new
            {
                name = NorthStarJourneyName,
                trigger = new { type = "audience", audienceKey = NorthStarAudienceKey },
                coupon = new { offerId = everyoneOffer },
                template = NorthStarTemplate,
                entryPolicy = new { type = "once" },
                category = "marketing",
            }, null, cancellationToken);
            created.Add("north-star journey");
        }
        if (!journeys.Contains(FlashRewardsJourneyName))
        {
            await CreateAsync(admin, "/api/messaging/journeys", new
            {
                name = FlashRewardsJourneyName,
                trigger = new { type = "event", @event = "Provider Checked In", filters = new[] { new { property = "flashOfferId", @operator = "exists" } } },
                coupon = new { offerIdProperty = "flashOfferId" },
                template = FlashRewardsTemplate,
                entryPolicy = new { type = "once_per_days", days = 1 },
                category = "marketing",
            }, null, cancellationToken);
            created.Add("Flash Rewards journey");
        }
        return created;
    }

    private static async Task<string?> CreateAsync(HttpClient admin, string path, object body, string? idProperty, CancellationToken cancellationToken)
    {
        using var response = await admin.PostAsJsonAsync(path, body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        return idProperty is null ? null : (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty(idProperty).GetString();
    }
}

/// <summary>Seeds the demo program once the gateway is healthy, retrying while the services settle; prints one line saying what it did.</summary>
internal sealed class DemoSeeder(DistributedApplicationModel model, ResourceNotificationService notifications, IHostApplicationLifetime lifetime) : EarlyBackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        try
        {
            var gateway = await notifications.WaitForResourceHealthyAsync("gateway", stopping.Token);
            var url = gateway.Snapshot.Urls.Where(u => !u.IsInternal).Select(u => u.Url).First().Replace("://localhost:", "://127.0.0.1:", StringComparison.Ordinal);
            var adminKey = await model.Resources.OfType<ParameterResource>().First(p => p.Name == "admin-key").GetValueAsync(stopping.Token);
            using var admin = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var created = await DemoProgram.SeedAsync(admin, TimeProvider.System, stopping.Token);
                    Console.Out.WriteLine(created.Count == 0
                        ? "demo program: already in place (AppHost:SeedDemo=false turns seeding off)"
                        : $"demo program: seeded {string.Join(", ", created)} (AppHost:SeedDemo=false turns seeding off)");
                    return;
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && attempt < 10 && !stopping.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(attempt * 2), stopping.Token);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException)
        {
            Console.Error.WriteLine($"demo program: not seeded ({exception.Message})");
        }
    }
}
