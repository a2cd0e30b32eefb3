namespace Alle.Platform.Outbox;

/// <summary>Relay settings (section <c>Outbox</c>).</summary>
public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>Rows claimed per pass.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>How often the relay looks for due rows when nothing woke it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts of a row, or before a failing destination is tried again.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A publish the broker never confirms (its connection lost mid-publish) must not hold the relay.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Publications put on the bus side by side (rows sharing an ordering key always go one after another).</summary>
    public int Concurrency { get; set; } = 16;

    /// <summary>How long delivered rows are kept (a fact written again meanwhile is recognised; operators can see what left). Zero deletes at once.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(3);

    /// <summary>The outbox health check reports Degraded once the oldest pending row is older than this.</summary>
    public TimeSpan DegradedAfter { get; set; } = TimeSpan.FromMinutes(2);
}
