using System.Text;
using System.Text.Json;
using Alle.Contracts;

namespace Alle.Ingestion.Warehouse;

/// <summary>
/// One event as a row of Segment's warehouse layout: the table it belongs to, the context fields Segment flattens into
/// columns, the event name slug (<c>event</c>) beside its text (<c>event_text</c>), page fields from the properties,
/// and the phones and e-mails it carries (<c>subject_identifiers</c>) so a person's rows can be found for deletion.
/// </summary>
internal sealed record WarehouseRow(TrackedEvent Event, string Table, ContextColumns Context, IReadOnlyList<string> SubjectIdentifiers)
{
    public static string TableFor(string type) => type switch
    {
        "track" => "tracks",
        "identify" => "identifies",
        "page" => "pages",
        "screen" => "screens",
        "group" => "groups",
        "alias" => "aliases",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a Segment call type."),
    };

    public static WarehouseRow From(TrackedEvent trackedEvent, IEnumerable<Identifier> contactPoints) => new(
        trackedEvent,
        TableFor(trackedEvent.Type),
        ContextColumns.From(trackedEvent.Context),
        [.. contactPoints.Where(i => i.Type is "phone" or "email").Select(i => $"{i.Type}:{i.Value}")]);

    /// <summary>Segment's table-name form of an event name: "Order Completed" → "order_completed".</summary>
    public static string EventSlug(string eventName)
    {
        var slug = new StringBuilder(eventName.Length);
        foreach (var character in eventName.Trim().ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(character))
            {
                slug.Append(character);
            }
            else if (slug.Length > 0 && slug[^1] != '_')
            {
                slug.Append('_');
            }
        }
        return slug.ToString().TrimEnd('_');
    }

    /// <summary>A string member of the properties (page path, url, …), or null.</summary>
    public string? Property(string name) => Text(Event.Properties, name);

    internal static string? Text(JsonElement? element, params string[] path)
    {
        if (element is not { ValueKind: JsonValueKind.Object } current)
        {
            return null;
        }
        foreach (var name in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return null;
            }
        }
        return current.ValueKind switch
        {
            JsonValueKind.String => current.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => current.GetRawText(),
            _ => null,
        };
    }
}

/// <summary>The context fields Segment's warehouses give their own columns.</summary>
internal sealed record ContextColumns(
    string? Ip,
    string? LibraryName,
    string? LibraryVersion,
    string? PagePath,
    string? PageUrl,
    string? PageReferrer,
    string? PageTitle,
    string? UserAgent,
    string? Locale,
    string? AppName,
    string? AppVersion,
    string? DeviceType,
    string? OsName)
{
    public static ContextColumns From(JsonElement? context) => new(
        WarehouseRow.Text(context, "ip"),
        WarehouseRow.Text(context, "library", "name"),
        WarehouseRow.Text(context, "library", "version"),
        WarehouseRow.Text(context, "page", "path"),
        WarehouseRow.Text(context, "page", "url"),
        WarehouseRow.Text(context, "page", "referrer"),
        WarehouseRow.Text(context, "page", "title"),
        WarehouseRow.Text(context, "userAgent"),
        WarehouseRow.Text(context, "locale"),
        WarehouseRow.Text(context, "app", "name"),
        WarehouseRow.Text(context, "app", "version"),
        WarehouseRow.Text(context, "device", "type"),
        WarehouseRow.Text(context, "os", "name"));
}
