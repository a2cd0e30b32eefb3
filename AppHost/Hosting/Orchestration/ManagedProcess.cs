using System.Diagnostics;

namespace Alle.Hosting;

/// <summary>One running child: its output goes to the resource's log, and it stops with its signal, then SIGKILL after a timeout.</summary>
internal sealed class ManagedProcess : IDisposable
{
    private readonly Process _process;
    private readonly int _stopSignal;

    private ManagedProcess(Process process, int stopSignal)
    {
        _process = process;
        _stopSignal = stopSignal;
        Pid = process.Id;
    }

    public int Pid { get; }

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static ManagedProcess Start(ProcessSpec spec, Action<bool, string> onLine)
    {
        var process = new Process { StartInfo = ProcessLauncher.CreateStartInfo(spec, newSession: true), EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) onLine(false, e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) onLine(true, e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ManagedProcess(process, spec.StopSignal);
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Sends the stop signal to the process group, waits up to <paramref name="timeout"/>, then kills the group.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }

        ProcessSignals.SignalGroup(Pid, _stopSignal);
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            ProcessSignals.SignalGroup(Pid, ProcessSignals.SIGKILL);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        // Helpers the server forked into its group (e.g. Erlang's erl_child_setup) go with it.
        ProcessSignals.SignalGroup(Pid, ProcessSignals.SIGKILL);
    }

    public void Dispose() => _process.Dispose();
}
