namespace Alle.Contracts;

/// <summary>Events accepted by ingestion in one request, published once per request (events travel in bulk).</summary>
public sealed record EventsIngested(Guid BatchId, string SourceId, IReadOnlyList<TrackedEvent> Events);
