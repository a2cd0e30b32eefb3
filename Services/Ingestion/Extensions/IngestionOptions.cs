namespace Alle.Ingestion.Extensions;

/// <summary>Settings from the <c>Ingestion</c> configuration section.</summary>
internal sealed class IngestionOptions
{
    /// <summary>Events per second a source may send when it has no limit of its own.</summary>
    public int DefaultRateLimitPerSecond { get; set; } = 100_000;

    /// <summary>Batches waiting to be published beyond which new requests get 503 (the broker is not keeping up).</summary>
    public int MaxUnpublishedBatches { get; set; } = 10_000;

    /// <summary>Requests waiting for a group commit beyond which new requests get 503 (PostgreSQL is not keeping up).</summary>
    public int MaxWaitingRequests { get; set; } = 10_000;

    /// <summary>Group commits that may be in flight at once; requests arriving meanwhile wait and share the next one.</summary>
    public int GroupCommitFlushes { get; set; } = 4;

    /// <summary>How long message ids are remembered, so a retried call is stored once.</summary>
    public int DedupeWindowDays { get; set; } = 7;

    /// <summary>How long rejected events and tracking-plan violations are kept for operators.</summary>
    public int DiagnosticsRetentionDays { get; set; } = 30;

    /// <summary>What 503 responses advise in Retry-After.</summary>
    public int RetryAfterSeconds { get; set; } = 5;
}
