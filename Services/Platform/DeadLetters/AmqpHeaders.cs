using System.Globalization;
using System.Text;
using RabbitMQ.Client;

namespace Alle.Platform.DeadLetters;

/// <summary>
/// Header values as RabbitMQ.Client hands them over: AMQP long strings (how MassTransit writes its <c>MT-*</c> headers)
/// arrive as UTF-8 byte arrays, numbers as int or long, timestamps as <see cref="AmqpTimestamp"/>.
/// </summary>
public static class AmqpHeaders
{
    public static string? Text(IDictionary<string, object?>? headers, string name) => Value(headers, name) switch
    {
        null => null,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string text => text,
        AmqpTimestamp timestamp => DateTimeOffset.FromUnixTimeSeconds(timestamp.UnixTime).ToString("O", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };

    public static int? Number(IDictionary<string, object?>? headers, string name) => Value(headers, name) switch
    {
        int number => number,
        long number when number is >= int.MinValue and <= int.MaxValue => (int)number,
        short number => number,
        byte number => number,
        byte[] or string when int.TryParse(Text(headers, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    /// <summary>A time written as ISO 8601 text (MassTransit's <c>MT-Fault-Timestamp</c>, UTC unless it says otherwise) or as an AMQP timestamp.</summary>
    public static DateTimeOffset? Time(IDictionary<string, object?>? headers, string name) => Value(headers, name) switch
    {
        AmqpTimestamp timestamp => DateTimeOffset.FromUnixTimeSeconds(timestamp.UnixTime),
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, time.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : time.Kind)),
        byte[] or string => ParseTime(Text(headers, name)),
        _ => null,
    };

    public static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;

    private static object? Value(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value : null;
}
