using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Alle.EndToEndTests.Foundation;

/// <summary>The AppHost started as developers start it: its own process, its console read line by line.</summary>
internal sealed partial class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _summaryStarted;

    private AppHostProcess(Process process) => _process = process;

    public static string RepositoryRoot => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(new Projects.Gateway().ProjectPath)!, ".."));

    public static string BuildOutput(string projectFolder, string assemblyName)
    {
        var configuration = typeof(Projects.Gateway).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "BuildConfiguration").Value!;
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
        // The summary table ends with the dashboard's URL.
        if (line.StartsWith("Ready in", StringComparison.Ordinal))
        {
            _summaryStarted = true;
        }
        else if (_summaryStarted && line.StartsWith("  dashboard:", StringComparison.Ordinal))
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

    /// <summary>The URL the summary table printed for a resource.</summary>
    public Uri UrlOf(string resource)
    {
        var match = Regex.Matches(Output, $@"^\s+{Regex.Escape(resource)}\s+\S+\s+\S+\s+(http://\S+)", RegexOptions.Multiline).LastOrDefault()
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

    /// <summary>Every process descended from the AppHost (through /proc), including children that started their own session.</summary>
    public IReadOnlyList<int> Descendants()
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    parents[pid] = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                }
            }
        }
        var result = new List<int>();
        var frontier = new Queue<int>([_process.Id]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (child, _) in parents.Where(p => p.Value == parent))
            {
                result.Add(child);
                frontier.Enqueue(child);
            }
        }
        return result;
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
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
