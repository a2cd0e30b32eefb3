using System.Diagnostics;
using Alle.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Alle.Bench.All.Measurement;

/// <summary>
/// The backlog of every queue on the application's RabbitMQ (no management plugin runs): the durable queues' names once
/// from <c>rabbitmqctl list_queues</c>, run as the node's account with the node's own environment (its name, its Erlang
/// port mapper, its cookie); then their depths every second by passive declares over AMQP, which cost the broker next
/// to nothing. <see cref="Maximum"/> is the largest depth one queue reached while polling.
/// </summary>
internal sealed class QueueDepths : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IReadOnlyList<string> _queues;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;
    private IChannel? _channel;

    private QueueDepths(IConnection connection, IReadOnlyList<string> queues)
    {
        _connection = connection;
        _queues = queues;
        _polling = PollAsync();
    }

    public (string Queue, long Depth) Maximum { get; private set; } = ("", 0);

    public long Total { get; private set; }

    public int QueueCount => _queues.Count;

    /// <summary>Why no queue is watched, when listing them failed (the scenarios still run; their backlog is not reported).</summary>
    public string? Problem { get; private init; }

    public static async Task<QueueDepths> StartAsync(DistributedAppFixture app)
    {
        IReadOnlyList<string> queues = [];
        string? problem = null;
        try
        {
            queues = await ListQueuesAsync(app.Resources.Instance("eventbus").ProcessId);
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            problem = exception.Message;
        }
        var connection = await new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")), ClientProvidedName = "alle-bench-queue-depths" }.CreateConnectionAsync();
        return new QueueDepths(connection, queues) { Problem = problem };
    }

    /// <summary>Forgets the maximum so far (a new scenario starts).</summary>
    public void Reset() => Maximum = ("", 0);

    /// <summary>Waits until every queue is empty; answers how long that took (null: not within <paramref name="timeout"/>).</summary>
    public async Task<TimeSpan?> WaitUntilEmptyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await SampleAsync() == 0)
            {
                return clock.Elapsed;
            }
            await Task.Delay(500);
        }
        return null;
    }

    private async Task PollAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await SampleAsync();
            try
            {
                await Task.Delay(1000, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private readonly SemaphoreSlim _sampling = new(1, 1);

    private async Task<long> SampleAsync()
    {
        await _sampling.WaitAsync();
        try
        {
            long total = 0;
            foreach (var queue in _queues)
            {
                var depth = await DepthAsync(queue);
                total += depth;
                if (depth > Maximum.Depth)
                {
                    Maximum = (queue, depth);
                }
            }
            Total = total;
            return total;
        }
        finally
        {
            _sampling.Release();
        }
    }

    private async Task<long> DepthAsync(string queue)
    {
        try
        {
            _channel ??= await _connection.CreateChannelAsync();
            return (await _channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (OperationInterruptedException)
        {
            // A queue gone (an auto-deleted one) closes the channel; the next sample opens another.
            _channel = null;
            return 0;
        }
    }

    /// <summary>The queues' names, from rabbitmqctl in the environment of the node's process.</summary>
    private static async Task<IReadOnlyList<string>> ListQueuesAsync(int serverProcess)
    {
        // The node itself, not the wrapper shell above it: it runs as the broker's account, which owns the cookie.
        var node = ProcessTree.Descendants(serverProcess).Prepend(serverProcess)
            .Select(pid => (Pid: pid, Environment: Environment(pid)))
            .Where(p => p.Environment.ContainsKey("RABBITMQ_NODENAME"))
            .OrderBy(p => Id(p.Pid, "Uid:") == "0")
            .FirstOrDefault();
        if (node.Environment is null)
        {
            throw new InvalidOperationException("No process of the eventbus resource has RabbitMQ's environment.");
        }
        var start = new ProcessStartInfo("/usr/bin/setpriv", [$"--reuid={Id(node.Pid, "Uid:")}", $"--regid={Id(node.Pid, "Gid:")}", "--clear-groups", "--",
            "/usr/lib/rabbitmq/bin/rabbitmqctl", "-q", "-n", node.Environment["RABBITMQ_NODENAME"], "list_queues", "name", "durable", "--no-table-headers"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Clear();
        foreach (var name in new[] { "HOME", "ERL_EPMD_PORT", "RABBITMQ_NODENAME", "PATH", "LANG" })
        {
            if (node.Environment.TryGetValue(name, out var value))
            {
                start.Environment[name] = value;
            }
        }
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl list_queues failed ({process.ExitCode}): {error.Trim()}");
        }
        // The durable queues are the consumers' work; a bus's own temporary queue is exclusive to its connection.
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('\t')).Where(columns => columns is [_, "true"]).Select(columns => columns[0])];
    }

    /// <summary>A process's real user or group id (<c>Uid:</c>, <c>Gid:</c> in its status).</summary>
    private static string Id(int pid, string field) =>
        File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal)).Split('\t')[1];

    private static Dictionary<string, string> Environment(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => v.Split('=', 2)).Where(v => v.Length == 2).GroupBy(v => v[0], StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }
        await _connection.DisposeAsync();
        _stop.Dispose();
        _sampling.Dispose();
    }
}
