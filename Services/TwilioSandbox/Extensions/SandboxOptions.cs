namespace Alle.TwilioSandbox.Extensions;

/// <summary>Settings (section <c>Sandbox</c>): the account the sandbox accepts, where inbound texts are posted, and how fast messages move.</summary>
internal sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    public string AccountSid { get; set; } = "";

    public string AuthToken { get; set; } = "";

    /// <summary>The messaging service's inbound webhook (through the gateway), signed with <see cref="AuthToken"/>.</summary>
    public string? InboundWebhookUrl { get; set; }

    /// <summary>The number replies go to when the inbox does not say (the number that last texted that phone, else this).</summary>
    public string DefaultNumber { get; set; } = "+15005550006";

    public TimeSpan SendDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan DeliveryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Attempts to deliver a status callback (the receiver may be restarting).</summary>
    public int CallbackAttempts { get; set; } = 8;
}
