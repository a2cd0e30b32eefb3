using System.Text.Json;
using Alle.Contracts;
using Alle.Destinations.Configuration;
using MassTransit;

namespace Alle.Destinations.Intake;

/// <summary>
/// Events accepted by ingestion go to the destinations their source is connected to (queued, never sent from here).
/// Idempotent: a redelivered message finds its events already queued under their message ids.
/// </summary>
internal sealed class EventsIngestedConsumer(DeliveryIntake intake, CatalogStore catalogs, SampleBuffer samples) : IConsumer<EventsIngested>
{
    public async Task Consume(ConsumeContext<EventsIngested> context)
    {
        var message = context.Message;
        var catalog = await catalogs.GetAsync(context.CancellationToken);
        var connected = catalog.ForSource(message.SourceId).Count > 0;
        // Without a destination only a consent preference is worth keeping (and a few samples for mapping tests).
        var relevant = connected ? message.Events : [.. message.Events.Where(CarriesConsent)];
        var sampled = message.Events.Skip(Math.Max(0, message.Events.Count - SampleBuffer.PerSource));
        var incoming = relevant.Select(intake.FromTracked).ToList();
        samples.Add(message.SourceId, connected ? incoming.TakeLast(SampleBuffer.PerSource) : sampled.Select(intake.FromTracked));
        await intake.AcceptAsync(incoming, (current, _) => current.ForSource(message.SourceId), context.CancellationToken);
    }

    private static bool CarriesConsent(TrackedEvent call) =>
        call.Context is { ValueKind: JsonValueKind.Object } context && context.TryGetProperty("consent", out var consent)
        && consent.ValueKind == JsonValueKind.Object && consent.TryGetProperty("categoryPreferences", out _);
}
