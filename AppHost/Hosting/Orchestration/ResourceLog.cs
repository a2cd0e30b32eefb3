using System.Threading.Channels;

namespace Alle.Hosting;

public sealed record LogLine(DateTimeOffset Time, int Replica, bool IsError, string Text);

/// <summary>A resource's console output: the last lines in memory for the dashboard, everything in a file under the state folder.</summary>
internal sealed class ResourceLog(string filePath, int capacity = 2000) : IDisposable
{
    private readonly object _gate = new();
    private readonly Queue<LogLine> _lines = new();
    private readonly List<Channel<LogLine>> _subscribers = [];
    private readonly StreamWriter _file = new(new FileStream(filePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };

    public void Write(int replica, bool isError, string text)
    {
        var line = new LogLine(DateTimeOffset.Now, replica, isError, text);
        lock (_gate)
        {
            _lines.Enqueue(line);
            if (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }
            _file.WriteLine($"{line.Time:HH:mm:ss.fff} [{replica}]{(isError ? " !" : "")} {text}");
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(line);
            }
        }
    }

    /// <summary>The buffered lines, then every new line until <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<LogLine> FollowAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest });
        LogLine[] backlog;
        lock (_gate)
        {
            backlog = [.. _lines];
            _subscribers.Add(channel);
        }
        try
        {
            foreach (var line in backlog)
            {
                yield return line;
            }
            await foreach (var line in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return line;
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }

    public IReadOnlyList<LogLine> Snapshot()
    {
        lock (_gate)
        {
            return [.. _lines];
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file.Dispose();
        }
    }
}
