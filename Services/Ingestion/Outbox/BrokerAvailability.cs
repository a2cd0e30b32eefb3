namespace Alle.Ingestion.Outbox;

/// <summary>
/// Whether the broker takes our messages, as the last publish found it. While it does not, the Tracking API answers 503
/// with Retry-After instead of piling events up that nobody downstream can receive yet.
/// </summary>
internal sealed class BrokerAvailability
{
    private volatile bool _available = true;

    public bool IsAvailable => _available;

    public void ReportPublished() => _available = true;

    public void ReportFailure() => _available = false;
}
