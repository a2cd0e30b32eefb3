using System.Collections.Concurrent;
using System.Text.Json;
using Alle.Contracts;
using MassTransit;

namespace Alle.IntegrationTests.Audiences;

/// <summary>
/// A MassTransit bus in the test process on the application's RabbitMQ: publishes what Profiles will publish
/// (<see cref="ProfileUpdated"/>, <see cref="ProfilesMerged"/>, <see cref="ProfileDeleted"/>) and records what
/// Audiences publishes (<see cref="AudienceMembershipChanged"/>, <see cref="PersonalDataDeleted"/>).
/// </summary>
public sealed class ProfileEventBus : IAsyncDisposable
{
    private readonly IBusControl _bus;

    private ProfileEventBus(IBusControl bus) => _bus = bus;

    public ConcurrentQueue<AudienceMembershipChanged> MembershipChanges { get; } = new();

    public ConcurrentQueue<PersonalDataDeleted> Deletions { get; } = new();

    public static async Task<ProfileEventBus> StartAsync(DistributedAppFixture app)
    {
        var address = new Uri(app.ConnectionString("eventbus"));
        ProfileEventBus? created = null;
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(address, host =>
            {
                var credentials = address.UserInfo.Split(':', 2);
                host.Username(Uri.UnescapeDataString(credentials[0]));
                host.Password(Uri.UnescapeDataString(credentials[1]));
            });
            rabbit.ReceiveEndpoint($"audiences-tests-{Guid.NewGuid():N}", endpoint =>
            {
                endpoint.AutoDelete = true;
                endpoint.Durable = false;
                endpoint.Handler<AudienceMembershipChanged>(context =>
                {
                    created!.MembershipChanges.Enqueue(context.Message);
                    return Task.CompletedTask;
                });
                endpoint.Handler<PersonalDataDeleted>(context =>
                {
                    created!.Deletions.Enqueue(context.Message);
                    return Task.CompletedTask;
                });
            });
        });
        created = new ProfileEventBus(bus);
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return created;
    }

    public Task PublishAsync<T>(T message) where T : class => _bus.Publish(message);

    /// <summary>What Profiles publishes after resolving a track call to a profile.</summary>
    public static ProfileUpdated Tracked(Guid profileId, string? userId, string eventName, object? properties = null,
        DateTimeOffset? timestamp = null, string? messageId = null, string source = "portal")
    {
        var at = timestamp ?? DateTimeOffset.UtcNow;
        var trigger = new TrackedEvent(source, messageId ?? Guid.NewGuid().ToString(), "track", userId, null, eventName, null, null, null,
            JsonSerializer.SerializeToElement(properties ?? new { }), null, null, null, at, null, null, at);
        return new ProfileUpdated(profileId, userId, new Dictionary<string, JsonElement>(), trigger, at);
    }

    /// <summary>What Profiles publishes after an identify call changed traits.</summary>
    public static ProfileUpdated Identified(Guid profileId, string? userId, object traits, DateTimeOffset? timestamp = null)
    {
        var at = timestamp ?? DateTimeOffset.UtcNow;
        var values = JsonSerializer.SerializeToElement(traits).EnumerateObject().ToDictionary(member => member.Name, member => member.Value.Clone());
        var trigger = new TrackedEvent("portal", Guid.NewGuid().ToString(), "identify", userId, null, null, null, null, null,
            null, JsonSerializer.SerializeToElement(traits), null, null, at, null, null, at);
        return new ProfileUpdated(profileId, userId, values, trigger, at);
    }

    /// <summary>
    /// One of Audiences' own Tracking API calls (an outbox payload) as it comes back from ingestion and Profiles,
    /// resolved to <paramref name="profileId"/>.
    /// </summary>
    public static ProfileUpdated Returning(Guid profileId, string userId, string call)
    {
        var sent = JsonDocument.Parse(call).RootElement;
        var trigger = new TrackedEvent("audiences", sent.GetProperty("messageId").GetString()!, sent.GetProperty("type").GetString()!, userId, null,
            sent.TryGetProperty("event", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null, null, null, null,
            sent.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object ? properties.Clone() : null,
            sent.TryGetProperty("traits", out var traits) && traits.ValueKind == JsonValueKind.Object ? traits.Clone() : null,
            sent.GetProperty("context").Clone(), null, DateTimeOffset.UtcNow, null, null, DateTimeOffset.UtcNow);
        var changed = trigger.Traits is { } values ? values.EnumerateObject().ToDictionary(member => member.Name, member => member.Value.Clone()) : [];
        return new ProfileUpdated(profileId, userId, changed, trigger, DateTimeOffset.UtcNow);
    }

    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}
