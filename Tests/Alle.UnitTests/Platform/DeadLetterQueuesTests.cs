using Alle.Platform.DeadLetters;

namespace Alle.UnitTests.Platform;

public sealed class DeadLetterQueuesTests
{
    [Theory]
    [InlineData("rabbitmq://127.0.0.1:5672/messaging-member-enrolled", "messaging-member-enrolled")]
    [InlineData("rabbitmq://broker/alle/profiles-events-ingested", "profiles-events-ingested")]
    [InlineData("rabbitmq://broker/profiles-events-ingested?prefetch=200", "profiles-events-ingested")]
    [InlineData("rabbitmq://127.0.0.1:5672/host_Alle.Messaging_bus_y1oyyyrb9m?temporary=true", null)]
    [InlineData("rabbitmq://127.0.0.1:5672/replies?durable=false&autodelete=true", null)]
    [InlineData("rabbitmq://127.0.0.1:5672/", null)]
    public void Durable_endpoints_have_dead_letter_queues_and_the_bus_endpoint_has_none(string inputAddress, string? expected) =>
        Assert.Equal(expected, DeadLetterQueues.EndpointQueueName(new Uri(inputAddress)));

    [Fact]
    public void Each_endpoint_has_an_error_and_a_skipped_queue() =>
        Assert.Equal(
            [new DeadLetterQueue("loyalty-profile-deleted_error", "loyalty-profile-deleted", DeadLetterKind.Error),
             new DeadLetterQueue("loyalty-profile-deleted_skipped", "loyalty-profile-deleted", DeadLetterKind.Skipped)],
            DeadLetterQueue.Of("loyalty-profile-deleted"));
}
