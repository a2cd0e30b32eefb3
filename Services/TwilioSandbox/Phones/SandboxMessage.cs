namespace Alle.TwilioSandbox.Phones;

/// <summary>One message the sandbox carried, in either direction, with Twilio's fields.</summary>
internal sealed record SandboxMessage(
    string Sid,
    string AccountSid,
    string From,
    string To,
    string Body,
    string Direction,
    string Status,
    int? ErrorCode,
    string? ErrorMessage,
    int NumSegments,
    string? StatusCallback,
    string? MessagingServiceSid,
    DateTimeOffset DateCreated,
    DateTimeOffset? DateSent,
    DateTimeOffset DateUpdated)
{
    public const string OutboundApi = "outbound-api";
    public const string OutboundReply = "outbound-reply";
    public const string Inbound = "inbound";

    public static string NewSid(string prefix = "SM") => prefix + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    /// <summary>Twilio's count: 160 GSM characters or 70 UCS-2 units in one segment, 153 / 67 per part beyond (extension characters not doubled here).</summary>
    public static int CountSegments(string body)
    {
        var gsm = body.All(c => c < 128 && c != '`');
        var (single, part) = gsm ? (160, 153) : (70, 67);
        return body.Length <= single ? 1 : (body.Length + part - 1) / part;
    }
}
