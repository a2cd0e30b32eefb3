using System.Security.Cryptography;
using System.Text;

namespace Alle.Platform.Outbox;

/// <summary>A claimed row, its message read back: what the relay delivers.</summary>
/// <param name="Message">The contract instance (bus) or the <see cref="Tracking.TrackingCall"/> (tracking).</param>
public sealed record PendingOutboxMessage(long RowId, string MessageId, object Message, string? OrderingKey, string? TraceParent);

/// <summary>One message put on the bus for one or more rows (several when a service coalesces them).</summary>
public sealed record OutboxPublication(object Message, IReadOnlyList<PendingOutboxMessage> Rows)
{
    /// <summary>The bus message id: the same on every resend of the same rows, so consumers can deduplicate.</summary>
    public Guid BusMessageId => Rows is [var single]
        ? OutboxPlanning.BusMessageId(single.MessageId)
        : OutboxPlanning.BusMessageId(string.Join('\n', Rows.Select(row => row.MessageId)));
}

/// <summary>The relay's decisions that need no I/O: retry delays and which publications must go one after another.</summary>
public static class OutboxPlanning
{
    /// <summary>
    /// The wait before attempt <paramref name="attempts"/> + 1: one second doubling up to <paramref name="cap"/>, then a
    /// random part of it taken off (between none and half), so rows that failed together do not retry together.
    /// </summary>
    public static TimeSpan Backoff(int attempts, TimeSpan cap, double random)
    {
        var exponential = TimeSpan.FromSeconds(Math.Pow(2, Math.Clamp(attempts - 1, 0, 30)));
        var delay = exponential < cap ? exponential : cap;
        return delay * (1 - Math.Clamp(random, 0, 1) / 2);
    }

    /// <summary>
    /// Splits publications (in row order) into chains that may be published side by side: publications sharing an
    /// ordering key, directly or through another publication, stay in one chain in their original order.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<OutboxPublication>> Chains(IReadOnlyList<OutboxPublication> publications)
    {
        var parent = Enumerable.Range(0, publications.Count).ToArray();
        int Find(int i) => parent[i] == i ? i : parent[i] = Find(parent[i]);

        var ownerOfKey = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < publications.Count; i++)
        {
            foreach (var key in publications[i].Rows.Select(row => row.OrderingKey).OfType<string>())
            {
                if (ownerOfKey.TryGetValue(key, out var other))
                {
                    parent[Find(i)] = Find(other);
                }
                else
                {
                    ownerOfKey[key] = i;
                }
            }
        }
        return [.. Enumerable.Range(0, publications.Count)
            .GroupBy(Find)
            .OrderBy(chain => chain.Min())
            .Select(chain => (IReadOnlyList<OutboxPublication>)[.. chain.Order().Select(i => publications[i])])];
    }

    /// <summary>A message id as the bus carries it: itself when it is a GUID, otherwise a GUID derived from it.</summary>
    public static Guid BusMessageId(string messageId) =>
        Guid.TryParse(messageId, out var id) ? id : new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(messageId)).AsSpan(0, 16));
}
