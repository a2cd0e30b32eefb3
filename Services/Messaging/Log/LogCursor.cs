using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Alle.Messaging.Log;

/// <summary>
/// A place in a log ordered newest first by (time, key): the page after it (<see cref="Newer"/> false: older entries)
/// or before it (newer entries). Keyset paging, so entries written while someone pages never shift a page; opaque
/// base64url text to the caller (no <c>+</c>, so masking phone-like text never touches it).
/// </summary>
internal readonly record struct LogCursor(DateTimeOffset At, string Key, bool Newer)
{
    private const int MaxLength = 400;

    public string Encode()
    {
        var micros = (At.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{(Newer ? 'n' : 'o')}:{micros.ToString(CultureInfo.InvariantCulture)}:{Key}"));
    }

    /// <summary>The cursor <paramref name="text"/> encodes, or null when it is not one of ours.</summary>
    public static LogCursor? Decode(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength || !Base64Url.IsValid(text))
        {
            return null;
        }
        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(text));
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException)
        {
            return null;
        }
        var parts = decoded.Split(':', 3);
        if (parts.Length != 3 || parts[0] is not ("n" or "o") || parts[2].Length == 0 || parts[2].Contains('\0', StringComparison.Ordinal)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var micros)
            || micros > (DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10)
        {
            return null;
        }
        return new LogCursor(DateTimeOffset.UnixEpoch.AddTicks(micros * 10), parts[2], parts[0] == "n");
    }
}

/// <summary>One page of a log and the cursors to the pages beside it (null where there is none).</summary>
internal sealed record LogPage<T>(IReadOnlyList<T> Items, string? Older, string? Newer)
{
    /// <summary>
    /// Makes the page from rows read one past <paramref name="limit"/> in the direction of <paramref name="cursor"/>
    /// (newest first for older pages, oldest first for newer ones).
    /// </summary>
    public static LogPage<T> From(List<T> rows, int limit, LogCursor? cursor, Func<T, (DateTimeOffset At, string Key)> position)
    {
        var more = rows.Count > limit;
        var items = rows.Take(limit).ToList();
        var towardsNewer = cursor is { Newer: true };
        if (towardsNewer)
        {
            items.Reverse();
        }
        string? Cursor(T row, bool newer) => new LogCursor(position(row).At, position(row).Key, newer).Encode();
        // Reading older entries: newer ones exist when we came from somewhere; reading newer ones: the cursor's own row is older.
        var hasOlder = towardsNewer ? cursor is not null : more;
        var hasNewer = towardsNewer ? more : cursor is not null;
        return new LogPage<T>(items,
            hasOlder && items.Count > 0 ? Cursor(items[^1], newer: false) : hasOlder && cursor is { } c ? new LogCursor(c.At, c.Key, false).Encode() : null,
            hasNewer && items.Count > 0 ? Cursor(items[0], newer: true) : hasNewer && cursor is { } d ? new LogCursor(d.At, d.Key, true).Encode() : null);
    }
}
