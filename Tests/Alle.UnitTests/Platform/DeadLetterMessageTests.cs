using System.Text;
using System.Text.Json.Nodes;
using Alle.Platform.DeadLetters;
using RabbitMQ.Client;

namespace Alle.UnitTests.Platform;

/// <summary>Reading a dead-lettered message as RabbitMQ.Client hands it over: MassTransit's envelope and its MT-Fault-* headers.</summary>
public sealed class DeadLetterMessageTests
{
    private const string Envelope = """
        {
          "messageId": "0d9a0000-cc22-de55-a54a-08df541795a0",
          "conversationId": "0d9a0000-cc22-de55-0000-08df541795a0",
          "sourceAddress": "rabbitmq://127.0.0.1:5672/loyalty_bus",
          "destinationAddress": "rabbitmq://127.0.0.1:5672/Alle.Contracts:MemberEnrolled",
          "messageType": ["urn:message:Alle.Contracts:MemberEnrolled"],
          "message": { "memberId": null, "phone": "+15551234567", "consentWording": "Text me at +1 (555) 123-4567 or mail jo@example.com" },
          "sentTime": "2026-03-01T10:00:00.0000000Z",
          "headers": {}
        }
        """;

    private static BasicProperties FaultedProperties() => new()
    {
        MessageId = "0d9a0000-cc22-de55-a54a-08df541795a0",
        ContentType = "application/vnd.masstransit+json",
        // As the broker delivers them: AMQP long strings are byte arrays, numbers are ints.
        Headers = new Dictionary<string, object?>
        {
            ["MT-Reason"] = "fault"u8.ToArray(),
            ["MT-Fault-ExceptionType"] = "Npgsql.PostgresException"u8.ToArray(),
            ["MT-Fault-Message"] = "23502: null value in column \"member_id\" (row for +15551234567, jo@example.com)"u8.ToArray(),
            ["MT-Fault-Timestamp"] = "2026-03-01T10:00:14.5000000Z"u8.ToArray(),
            ["MT-Fault-StackTrace"] = "   at Alle.Messaging.Consent.MemberEnrolledConsumer.Consume()"u8.ToArray(),
            ["MT-Fault-ConsumerType"] = "Alle.Messaging.Consent.MemberEnrolledConsumer"u8.ToArray(),
            ["MT-Fault-RetryCount"] = 5,
            ["MT-Fault-InputAddress"] = "rabbitmq://127.0.0.1:5672/messaging-member-enrolled"u8.ToArray(),
        },
    };

    [Fact]
    public void A_faulted_message_shows_what_failed_where_and_when()
    {
        var message = DeadLetterMessage.Read(FaultedProperties(), Encoding.UTF8.GetBytes(Envelope));

        Assert.Equal("0d9a0000-cc22-de55-a54a-08df541795a0", message.MessageId);
        Assert.Equal(Guid.Parse("0d9a0000-cc22-de55-a54a-08df541795a0"), message.Id);
        Assert.Equal("Alle.Contracts:MemberEnrolled", message.MessageType);
        Assert.Equal("fault", message.Reason);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 0, 14, 500, TimeSpan.Zero), message.FailedAt);
        Assert.Equal("Npgsql.PostgresException", message.ExceptionType);
        Assert.Equal("Alle.Messaging.Consent.MemberEnrolledConsumer", message.ConsumerType);
        Assert.Equal(5, message.RetryCount);
        Assert.Equal("rabbitmq://127.0.0.1:5672/messaging-member-enrolled", message.InputAddress);
        Assert.Equal("rabbitmq://127.0.0.1:5672/Alle.Contracts:MemberEnrolled", message.DestinationAddress);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), message.SentAt);
        Assert.Equal(Encoding.UTF8.GetByteCount(Envelope), message.BodyBytes);
    }

    [Fact]
    public void Personal_data_in_the_exception_message_is_masked()
    {
        var message = DeadLetterMessage.Read(FaultedProperties(), Encoding.UTF8.GetBytes(Envelope));

        Assert.Equal("23502: null value in column \"member_id\" (row for [phone], [e-mail])", message.ExceptionMessage);
    }

    [Fact]
    public void A_summary_leaves_out_the_body_and_stack_trace()
    {
        var message = DeadLetterMessage.Read(FaultedProperties(), Encoding.UTF8.GetBytes(Envelope));

        Assert.Null(message.Body);
        Assert.Null(message.BodyText);
        Assert.Null(message.StackTrace);
    }

    [Fact]
    public void Read_in_full_it_shows_the_contract_message_with_personal_data_masked()
    {
        var message = DeadLetterMessage.Read(FaultedProperties(), Encoding.UTF8.GetBytes(Envelope), full: true);

        var body = Assert.IsType<JsonObject>(message.Body);
        Assert.Null(body["memberId"]);
        Assert.Equal("[phone]", body["phone"]!.GetValue<string>());
        Assert.Equal("Text me at [phone] or mail [e-mail]", body["consentWording"]!.GetValue<string>());
        Assert.False(body.ContainsKey("messageType"));
        Assert.Equal("   at Alle.Messaging.Consent.MemberEnrolledConsumer.Consume()", message.StackTrace);
    }

    [Fact]
    public void A_skipped_message_has_its_reason_and_no_fault()
    {
        var properties = new BasicProperties
        {
            MessageId = "7f3e2a10-0000-4000-8000-000000000001",
            Headers = new Dictionary<string, object?> { ["MT-Reason"] = "dead-letter"u8.ToArray() },
        };

        var message = DeadLetterMessage.Read(properties, """{"messageType":["urn:message:Alle.Contracts:Unknown"],"message":{}}"""u8.ToArray());

        Assert.Equal("dead-letter", message.Reason);
        Assert.Equal("Alle.Contracts:Unknown", message.MessageType);
        Assert.Null(message.FailedAt);
        Assert.Null(message.ExceptionType);
        Assert.Null(message.InputAddress);
    }

    [Fact]
    public void A_body_that_is_not_json_is_shown_as_masked_text()
    {
        var properties = new BasicProperties { ContentType = "text/plain" };

        var message = DeadLetterMessage.Read(properties, "{ not json, call +15551234567"u8.ToArray(), full: true);

        Assert.Null(message.MessageId);
        Assert.Null(message.Id);
        Assert.Null(message.MessageType);
        Assert.Null(message.Body);
        Assert.Equal("{ not json, call [phone]", message.BodyText);
    }

    [Fact]
    public void A_raw_json_message_is_shown_whole_with_its_type_from_the_headers()
    {
        var properties = new BasicProperties
        {
            MessageId = "not-a-guid",
            ContentType = "application/json",
            Headers = new Dictionary<string, object?> { ["MT-MessageType"] = "urn:message:Alle.Contracts:ProfileUpdated"u8.ToArray() },
        };

        var message = DeadLetterMessage.Read(properties, """{"profileId":"p1","email":"jo@example.com"}"""u8.ToArray(), full: true);

        Assert.Equal("not-a-guid", message.MessageId);
        Assert.Null(message.Id);
        Assert.Equal("Alle.Contracts:ProfileUpdated", message.MessageType);
        Assert.Equal("""{"profileId":"p1","email":"[e-mail]"}""", message.Body!.ToJsonString());
    }

    [Fact]
    public void Long_exception_messages_are_cut()
    {
        var properties = FaultedProperties();
        properties.Headers!["MT-Fault-Message"] = Encoding.UTF8.GetBytes(new string('x', 5_000));

        var message = DeadLetterMessage.Read(properties, Encoding.UTF8.GetBytes(Envelope));

        Assert.Equal(2_001, message.ExceptionMessage!.Length);
        Assert.EndsWith("…", message.ExceptionMessage, StringComparison.Ordinal);
    }
}
