using Alle.Platform.DeadLetters;
using RabbitMQ.Client;

namespace Alle.UnitTests.Platform;

public sealed class AmqpHeadersTests
{
    private static readonly Dictionary<string, object?> s_headers = new()
    {
        ["bytes"] = "text"u8.ToArray(),
        ["string"] = "text",
        ["int"] = 5,
        ["long"] = 7L,
        ["numeric-bytes"] = "12"u8.ToArray(),
        ["iso"] = "2026-03-01T10:00:14.5000000Z"u8.ToArray(),
        ["local-iso"] = "2026-03-01T10:00:14"u8.ToArray(),
        ["offset-iso"] = "2026-03-01T12:00:14+02:00"u8.ToArray(),
        ["amqp-timestamp"] = new AmqpTimestamp(1_772_359_214),
        ["null"] = null,
    };

    [Theory]
    [InlineData("bytes", "text")]
    [InlineData("string", "text")]
    [InlineData("int", "5")]
    [InlineData("null", null)]
    [InlineData("missing", null)]
    public void Text_headers_are_read_whatever_their_wire_type(string name, string? expected) =>
        Assert.Equal(expected, AmqpHeaders.Text(s_headers, name));

    [Theory]
    [InlineData("int", 5)]
    [InlineData("long", 7)]
    [InlineData("numeric-bytes", 12)]
    [InlineData("bytes", null)]
    [InlineData("missing", null)]
    public void Numbers_are_read_from_ints_longs_and_text(string name, int? expected) =>
        Assert.Equal(expected, AmqpHeaders.Number(s_headers, name));

    [Theory]
    [InlineData("iso", "2026-03-01T10:00:14.5000000+00:00")]
    [InlineData("local-iso", "2026-03-01T10:00:14+00:00")]
    [InlineData("offset-iso", "2026-03-01T10:00:14+00:00")]
    [InlineData("amqp-timestamp", "2026-03-01T10:00:14+00:00")]
    [InlineData("bytes", null)]
    [InlineData("missing", null)]
    public void Times_are_read_as_utc(string name, string? expected) =>
        Assert.Equal(expected is null ? null : DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), AmqpHeaders.Time(s_headers, name));

    [Fact]
    public void No_headers_read_as_nothing()
    {
        Assert.Null(AmqpHeaders.Text(null, "MT-Reason"));
        Assert.Null(AmqpHeaders.Number(null, "MT-Fault-RetryCount"));
        Assert.Null(AmqpHeaders.Time(null, "MT-Fault-Timestamp"));
    }
}
