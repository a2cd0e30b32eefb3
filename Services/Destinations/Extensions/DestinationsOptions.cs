namespace Alle.Destinations.Extensions;

/// <summary>Settings of the service (section <c>Destinations</c>); a destination's own settings override the defaults here.</summary>
internal sealed class DestinationsOptions
{
    public const string Section = "Destinations";

    public DeliveryOptions Delivery { get; set; } = new();

    public NetworkOptions Network { get; set; } = new();

    public RetentionOptions Retention { get; set; } = new();

    public IEnumerable<string> Validate()
    {
        var delivery = Delivery;
        if (delivery.RetryBaseDelay <= TimeSpan.Zero || delivery.MaxRetryDelay < delivery.RetryBaseDelay)
        {
            yield return "Destinations:Delivery:RetryBaseDelay must be positive and at most MaxRetryDelay.";
        }
        if (delivery.DefaultRetryWindow < TimeSpan.Zero || delivery.DefaultRetryWindow > DeliveryOptions.MaxRetryWindow)
        {
            yield return "Destinations:Delivery:DefaultRetryWindow must be between 0 and 72 hours.";
        }
        if (delivery.DefaultTimeout <= TimeSpan.Zero || delivery.DefaultTimeout > TimeSpan.FromMinutes(2))
        {
            yield return "Destinations:Delivery:DefaultTimeout must be between 0 and 2 minutes.";
        }
        if (delivery.MaxLanes < 1 || delivery.DefaultConcurrency < 1 || delivery.ClaimPerSlot < 1)
        {
            yield return "Destinations:Delivery:MaxLanes, DefaultConcurrency and ClaimPerSlot must be at least 1.";
        }
    }
}

internal sealed class DeliveryOptions
{
    public static readonly TimeSpan MaxRetryWindow = TimeSpan.FromHours(72);

    /// <summary>The first retry waits about this long; each later one twice as long (with jitter), up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A <c>Retry-After</c> longer than this is shortened to it.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long an event is retried before it goes to the destination's dead letters (a destination may set its own).</summary>
    public TimeSpan DefaultRetryWindow { get; set; } = TimeSpan.FromHours(4);

    /// <summary>How long one request may take (a destination may set its own).</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests in flight to one destination from one instance (a destination may set its own).</summary>
    public int DefaultConcurrency { get; set; } = 8;

    /// <summary>Rows a lane claims per request slot in one pass (claims are batched to spare the database round trips).</summary>
    public int ClaimPerSlot { get; set; } = 4;

    /// <summary>Destinations one instance delivers to at once; each has its own lane, so a slow one holds only its own.</summary>
    public int MaxLanes { get; set; } = 32;

    /// <summary>How long a lane keeps its slot while other destinations wait for one (every lane busy).</summary>
    public TimeSpan LaneSlice { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often an idle instance looks for due deliveries (it is also woken when it queues some).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Response bodies are kept in the delivery log up to this many characters.</summary>
    public int LoggedBodyLength { get; set; } = 1_000;
}

internal sealed class NetworkOptions
{
    /// <summary>Whether destination URLs may reach 127.0.0.0/8 and ::1 (default: only in Development).</summary>
    public bool? AllowLoopback { get; set; }

    /// <summary>Whether destination URLs may reach private, link-local and shared address space (10/8, 172.16/12, 192.168/16, 169.254/16, 100.64/10, fc00::/7, fe80::/10).</summary>
    public bool AllowPrivateNetworks { get; set; }
}

internal sealed class RetentionOptions
{
    /// <summary>Delivered and dropped rows are kept this long: the window in which a repeated message id is recognised.</summary>
    public TimeSpan Deduplication { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan DeadLetters { get; set; } = TimeSpan.FromDays(30);

    public TimeSpan Log { get; set; } = TimeSpan.FromDays(3);

    public TimeSpan Counts { get; set; } = TimeSpan.FromDays(90);

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);
}
