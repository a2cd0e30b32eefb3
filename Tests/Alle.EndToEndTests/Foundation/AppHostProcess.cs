using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Alle.EndToEndTests.Foundation;

/// <summary>The AppHost started as developers start it: its own process, its console read line by line.</summary>
internal sealed partial class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AppHostProcess(Process process) => _process = process;

    public static string RepositoryRoot => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(new Projects.Gateway().ProjectPath)!, ".."));

    /// <summary>A project's build output, in the configuration these tests were built in (bin/{configuration}/net10.0).</summary>
    public static string BuildOutput(string projectFolder, string assemblyName)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        return Path.Combine(RepositoryRoot, projectFolder, "bin", configuration, "net10.0", assemblyName + ".dll");
    }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    public static AppHostProcess Start(params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        startInfo.ArgumentList.Add(BuildOutput("AppHost", "Alle.AppHost"));
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = startInfo };
        var host = new AppHostProcess(process);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Add(line);
        }
        // The startup report ends with this line.
        if (line.StartsWith("Ready in", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    public async Task WaitForReadyAsync(TimeSpan timeout)
    {
        var exited = _process.WaitForExitAsync();
        var finished = await Task.WhenAny(_ready.Task, exited, Task.Delay(timeout));
        if (finished != _ready.Task)
        {
            throw new TimeoutException($"The AppHost did not report ready:\n{Output}");
        }
    }

    /// <summary>A labelled line of the startup report, e.g. "admin key" or "gateway".</summary>
    public string Printed(string label) => Regex.Matches(Output, $@"^  {Regex.Escape(label)}: (\S+)$", RegexOptions.Multiline).LastOrDefault()?.Groups[1].Value
        ?? throw new InvalidOperationException($"Nothing printed as '{label}':\n{Output}");

    /// <summary>The URL the resource table printed for a resource.</summary>
    public Uri UrlOf(string resource)
    {
        var match = Regex.Matches(Output, $@"^\s+{Regex.Escape(resource)}\s+\S+\s+\S+\s+(\S+://\S+)", RegexOptions.Multiline).LastOrDefault()
            ?? throw new InvalidOperationException($"No URL printed for {resource}:\n{Output}");
        return new Uri(match.Groups[1].Value);
    }

    public void Signal(int signal) => _ = SendSignal(_process.Id, signal);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    /// <summary>
    /// Every process this AppHost runs: its descendants, and Aspire's orchestrator (DCP), which detaches from the AppHost
    /// and watches it by pid, with everything DCP started.
    /// </summary>
    public IReadOnlyList<int> Processes()
    {
        var orchestrators = ProcessTree.OrchestratorsOf(_process.Id);
        return [.. ProcessTree.Descendants(_process.Id), .. orchestrators, .. orchestrators.SelectMany(ProcessTree.Descendants)];
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal(15);
            try
            {
                await WaitForExitAsync(TimeSpan.FromSeconds(60));
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);
}
