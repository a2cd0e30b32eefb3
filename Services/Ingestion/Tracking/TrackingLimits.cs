namespace Alle.Ingestion.Tracking;

/// <summary>Segment's HTTP Tracking API limits; client libraries size their batches by them.</summary>
internal static class TrackingLimits
{
    public const int MaxMessageBytes = 32 * 1024;
    public const int MaxBatchBytes = 500 * 1024;
    public const int MaxBatchMessages = 2500;
    public const int MaxMessageIdLength = 100;
}
