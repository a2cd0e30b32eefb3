using System.Collections.Concurrent;
using System.Net;
using Alle.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alle.IntegrationTests.Messaging;

/// <summary>
/// The application with messaging pointed at stand-ins for Profiles' look-up API and Loyalty's coupon API (their agreed
/// contracts), so the journey runner is tested end to end — entry, look-up, coupon, template, consent, delivery,
/// restart — before those services exist. Its own application: messaging's configuration differs.
/// </summary>
public sealed class JourneyAppFixture : DistributedAppFixture
{
    public ServiceStandIns StandIns { get; } = ServiceStandIns.Start();

    protected override void ConfigureApplication(DistributedApplicationBuilder builder)
    {
        var messaging = builder.Resources.Single(r => r.Name == "messaging");
        messaging.Environment["Messaging__ProfilesBaseAddress"] = new LiteralValue(StandIns.Url);
        messaging.Environment["Messaging__LoyaltyBaseAddress"] = new LiteralValue(StandIns.Url);
    }
}

[CollectionDefinition(Name)]
public sealed class JourneyCollection : ICollectionFixture<JourneyAppFixture>
{
    public const string Name = "messaging-journeys";
}

/// <summary>Profiles' look-up and Loyalty's coupon endpoints, answering from what the test registered.</summary>
public sealed class ServiceStandIns : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, object> _profiles = new();
    private readonly ConcurrentDictionary<string, string> _offers = new();
    private readonly ConcurrentDictionary<(string Offer, string Member), string> _coupons = new();

    public string Url { get; }

    public ConcurrentBag<string> LookupAuthorizations { get; } = [];

    public int CouponRequests => _couponRequests;

    private int _couponRequests;

    private ServiceStandIns()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGet("/api/profiles/lookup", (HttpRequest request, string? userId) =>
        {
            LookupAuthorizations.Add(request.Headers.Authorization.ToString());
            return userId is not null && _profiles.TryGetValue(userId, out var profile)
                ? Results.Json(profile)
                : Results.Problem(statusCode: 404, title: "Profile not found");
        });
        _app.MapPost("/api/loyalty/offers/{offerId}/coupons", (string offerId, CouponRequest body) =>
        {
            Interlocked.Increment(ref _couponRequests);
            if (!_offers.TryGetValue(offerId, out var state))
            {
                return Results.Problem(statusCode: 404, title: "Offer not found");
            }
            if (state != "active")
            {
                return Results.Problem(statusCode: 409, title: "Offer inactive");
            }
            var code = _coupons.GetOrAdd((offerId, body.MemberId), _ => "FLASH-" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant());
            return Results.Json(new { code, offerId, memberId = body.MemberId, value = 25.0m, expiresAt = "2030-06-30T00:00:00Z", issuedAt = DateTimeOffset.UtcNow });
        });
        _app.StartAsync().GetAwaiter().GetResult();
        Url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public static ServiceStandIns Start() => new();

    public void AddProfile(string userId, string phone, string firstName, string timeZone) => _profiles[userId] = new
    {
        profileId = Guid.NewGuid().ToString(),
        userId,
        traits = new { first_name = firstName, phone, timezone = timeZone },
        identifiers = new[] { new { type = "user_id", value = userId }, new { type = "phone", value = phone } },
    };

    public void AddOffer(string offerId, bool active) => _offers[offerId] = active ? "active" : "inactive";

    public string? CouponOf(string offerId, string memberId) => _coupons.TryGetValue((offerId, memberId), out var code) ? code : null;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private sealed record CouponRequest(string MemberId);
}
