using System.Text.Json;
using System.Text.RegularExpressions;
using Alle.Contracts;

namespace Alle.Audiences.Outbox;

/// <summary>
/// Recognises our own audience and computed-trait calls when they come back from ingestion and Profiles, and names the
/// profile they were about: its id is part of their message ids (<c>aud-{audience}-{profile}-in|out-{n}</c>,
/// <c>ctr-{trait}-{profile}-{version}</c>). A call about a person deleted meanwhile, which Profiles resolved into a new
/// profile, must not bring her back.
/// </summary>
internal static partial class OwnCalls
{
    public static Guid? ProfileOf(TrackedEvent? trigger)
    {
        if (trigger?.Context is not { ValueKind: JsonValueKind.Object } context
            || !context.TryGetProperty("library", out var library) || library.ValueKind != JsonValueKind.Object
            || !library.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
            || name.GetString() != OutboxCall.LibraryName)
        {
            return null;
        }
        var match = MessageId().Match(trigger.MessageId);
        return match.Success ? Guid.ParseExact(match.Groups["profile"].Value, "N") : null;
    }

    [GeneratedRegex("^(?:aud-[0-9a-f]{32}-(?<profile>[0-9a-f]{32})-(?:in|out)-[0-9]+|ctr-[0-9a-f]{32}-(?<profile>[0-9a-f]{32})-[0-9]+)$")]
    private static partial Regex MessageId();
}
