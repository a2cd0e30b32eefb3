using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;

namespace Alle.Ingestion.LiveStream;

/// <summary>One call as the debugger shows it: accepted, rejected (with the reason), flagged or blocked by the tracking plan.</summary>
internal sealed record LiveEvent(string Status, string? Reason, string? MessageId, string? Type, string? Event, DateTimeOffset ReceivedAt, JsonElement? Payload);

/// <summary>
/// The per-source live feed behind the console's debugger. A source has a feed only while someone listens: then the
/// last <see cref="RingSize"/> calls are kept (a new listener sees them first) and each listener has a bounded queue
/// that drops its oldest entries when it falls behind. With no listener nothing is kept and the request path only
/// pays one dictionary look-up.
/// </summary>
internal sealed class LiveEventStream
{
    public const int RingSize = 100;
    private const int ListenerQueueSize = 1000;

    private readonly ConcurrentDictionary<string, Feed> _feeds = new(StringComparer.Ordinal);

    public bool HasListeners(string sourceId) => _feeds.ContainsKey(sourceId);

    public void Publish(string sourceId, IEnumerable<LiveEvent> events)
    {
        if (_feeds.TryGetValue(sourceId, out var feed))
        {
            feed.Publish(events);
        }
    }

    /// <summary>Starts listening at once: the recent calls are queued first, then each new one.</summary>
    public Subscription Subscribe(string sourceId)
    {
        var listener = Channel.CreateBounded<LiveEvent>(new BoundedChannelOptions(ListenerQueueSize)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        var feed = Join(sourceId, listener.Writer);
        return new Subscription(listener.Reader, () => Leave(sourceId, feed, listener.Writer));
    }

    /// <summary>One listener; disposing it stops listening (the last listener's leaving drops the source's ring).</summary>
    public sealed class Subscription(ChannelReader<LiveEvent> events, Action leave) : IDisposable
    {
        private int _left;

        public ChannelReader<LiveEvent> Events { get; } = events;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                leave();
            }
        }
    }

    private Feed Join(string sourceId, ChannelWriter<LiveEvent> listener)
    {
        while (true)
        {
            var feed = _feeds.GetOrAdd(sourceId, _ => new Feed());
            if (feed.TryAdd(listener))
            {
                return feed;
            }
            // The feed was closed by its last listener a moment ago; make a new one.
            _feeds.TryRemove(KeyValuePair.Create(sourceId, feed));
        }
    }

    private void Leave(string sourceId, Feed feed, ChannelWriter<LiveEvent> listener)
    {
        if (feed.Remove(listener))
        {
            _feeds.TryRemove(KeyValuePair.Create(sourceId, feed));
        }
    }

    private sealed class Feed
    {
        private readonly Lock _gate = new();
        private readonly Queue<LiveEvent> _recent = new(RingSize);
        private readonly List<ChannelWriter<LiveEvent>> _listeners = [];
        private bool _closed;

        public bool TryAdd(ChannelWriter<LiveEvent> listener)
        {
            lock (_gate)
            {
                if (_closed)
                {
                    return false;
                }
                foreach (var recent in _recent)
                {
                    listener.TryWrite(recent);
                }
                _listeners.Add(listener);
                return true;
            }
        }

        /// <returns>True when this was the last listener: the feed is closed and its ring dropped.</returns>
        public bool Remove(ChannelWriter<LiveEvent> listener)
        {
            lock (_gate)
            {
                _listeners.Remove(listener);
                listener.TryComplete();
                _closed = _listeners.Count == 0;
                return _closed;
            }
        }

        public void Publish(IEnumerable<LiveEvent> events)
        {
            lock (_gate)
            {
                foreach (var liveEvent in events)
                {
                    if (_recent.Count == RingSize)
                    {
                        _recent.Dequeue();
                    }
                    _recent.Enqueue(liveEvent);
                    foreach (var listener in _listeners)
                    {
                        listener.TryWrite(liveEvent);
                    }
                }
            }
        }
    }
}
