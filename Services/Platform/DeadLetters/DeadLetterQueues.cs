using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using MassTransit;

namespace Alle.Platform.DeadLetters;

[JsonConverter(typeof(JsonStringEnumConverter<DeadLetterKind>))]
public enum DeadLetterKind
{
    /// <summary><c>{queue}_error</c>: a consumer kept failing after its retries.</summary>
    [JsonStringEnumMemberName("error")]
    Error,

    /// <summary><c>{queue}_skipped</c>: no consumer on the endpoint handles the message's type.</summary>
    [JsonStringEnumMemberName("skipped")]
    Skipped,
}

/// <summary>A dead-letter queue of one of this service's receive endpoints; replays go back to <see cref="Endpoint"/>.</summary>
public sealed record DeadLetterQueue(string Name, string Endpoint, DeadLetterKind Kind)
{
    public static IEnumerable<DeadLetterQueue> Of(string endpoint) =>
    [
        new($"{endpoint}_error", endpoint, DeadLetterKind.Error),
        new($"{endpoint}_skipped", endpoint, DeadLetterKind.Skipped),
    ];
}

/// <summary>
/// The dead-letter queues of the receive endpoints this service's bus started, learnt from MassTransit as each endpoint
/// becomes ready, so consumer definitions that rename an endpoint are followed. Only these queues can be read or moved
/// through the API: nothing else on the broker is reachable from it.
/// </summary>
public sealed class DeadLetterQueues : IReceiveEndpointObserver
{
    private readonly ConcurrentDictionary<string, byte> _endpoints = new(StringComparer.Ordinal);

    public IReadOnlyList<DeadLetterQueue> All =>
        [.. _endpoints.Keys.Order(StringComparer.Ordinal).SelectMany(DeadLetterQueue.Of)];

    public DeadLetterQueue? Find(string name) => All.FirstOrDefault(queue => string.Equals(queue.Name, name, StringComparison.Ordinal));

    public Task Ready(ReceiveEndpointReady ready)
    {
        if (EndpointQueueName(ready.InputAddress) is { } queue)
        {
            _endpoints.TryAdd(queue, 0);
        }
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    /// <summary>
    /// The queue of a durable RabbitMQ receive endpoint (<c>rabbitmq://host/vhost/queue</c>), or null for the bus's own
    /// temporary endpoint (<c>?temporary=true</c>, or not durable, or auto-deleted), whose messages are replies that
    /// nobody would replay.
    /// </summary>
    public static string? EndpointQueueName(Uri inputAddress)
    {
        var query = inputAddress.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries);
        if (query.Any(p => p.Equals("temporary=true", StringComparison.OrdinalIgnoreCase)
            || p.Equals("durable=false", StringComparison.OrdinalIgnoreCase)
            || p.Equals("autodelete=true", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }
        var path = inputAddress.AbsolutePath.TrimEnd('/');
        var name = Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
        return name.Length == 0 ? null : name;
    }
}
