using System.Threading.Channels;
using Alle.Platform.Tracking;

namespace Alle.Web.Tracking;

/// <summary>
/// A bounded in-memory queue between pages and <see cref="TrackingSender"/>. When the Tracking API is slow or down and
/// the queue is full, new calls are dropped (and counted) rather than holding up a page: analytics is best effort here,
/// unlike the services' business facts, which go through their outboxes.
/// </summary>
public sealed class TrackingQueue(ILogger<TrackingQueue> logger)
{
    public const int Capacity = 10_000;
    private readonly Channel<TrackingCall> _channel = Channel.CreateBounded<TrackingCall>(new BoundedChannelOptions(Capacity)
    {
        // With Wait, TryWrite answers false when the queue is full (DropWrite would answer true and drop silently).
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });
    private long _dropped;

    public ChannelReader<TrackingCall> Reader => _channel.Reader;

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Enqueue(TrackingCall call)
    {
        if (!_channel.Writer.TryWrite(call))
        {
            var dropped = Interlocked.Increment(ref _dropped);
            if (dropped == 1 || dropped % 1000 == 0)
            {
                logger.LogWarning("Tracking queue full: {Dropped} calls dropped so far", dropped);
            }
        }
    }

    public void Complete() => _channel.Writer.TryComplete();
}
