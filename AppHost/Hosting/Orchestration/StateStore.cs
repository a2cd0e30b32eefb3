using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Alle.Hosting;

/// <summary>
/// The state folder: servers' data, logs, generated credentials (mode 0600, never in the repository), the ports
/// given last time (so URLs stay stable between runs) and the pids of running children (so a run after a crash of
/// the AppHost can stop what the crashed run left behind).
/// </summary>
internal sealed class StateStore(string directory)
{
    private readonly object _gate = new();
    private readonly HashSet<int> _portsTaken = [];

    public string Directory { get; } = directory;
    private string CredentialsFile => Path.Combine(Directory, "credentials.json");
    private string PortsFile => Path.Combine(Directory, "ports.json");
    private string ProcessesFile => Path.Combine(Directory, "processes.json");
    public string LogsDirectory => Path.Combine(Directory, "logs");

    public void Initialize(bool reset)
    {
        System.IO.Directory.CreateDirectory(Directory);
        // World-traversable, so service accounts can reach their own sub-folders.
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The AppHost runs Debian's server packages: it needs Linux.");
        }
        File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.GroupRead | UnixFileMode.OtherExecute | UnixFileMode.OtherRead);
        if (reset)
        {
            foreach (var entry in new DirectoryInfo(Directory).EnumerateFileSystemInfos())
            {
                if (entry.FullName != CredentialsFile)
                {
                    if (entry is DirectoryInfo folder)
                    {
                        folder.Delete(recursive: true);
                    }
                    else
                    {
                        entry.Delete();
                    }
                }
            }
        }
        System.IO.Directory.CreateDirectory(LogsDirectory);
    }

    /// <summary>Gives every parameter its value: configuration first, then the kept value, else a newly generated one.</summary>
    public void ResolveParameters(IEnumerable<ParameterResource> parameters, Func<string, string?> fromConfiguration)
    {
        var kept = Read<Dictionary<string, string>>(CredentialsFile) ?? [];
        foreach (var parameter in parameters)
        {
            var value = fromConfiguration(parameter.Name) ?? (kept.TryGetValue(parameter.Name, out var existing) ? existing : parameter.Generate());
            parameter.SetValue(value);
            kept[parameter.Name] = value;
        }
        File.WriteAllText(CredentialsFile, JsonSerializer.Serialize(kept, new JsonSerializerOptions { WriteIndented = true }));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(CredentialsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>Gives each endpoint a free loopback port, preferring the one it asked for, then the one it had last time.</summary>
    public void AllocatePorts(IEnumerable<RunnableResource> resources, bool randomPorts)
    {
        var remembered = randomPorts ? [] : Read<Dictionary<string, int>>(PortsFile) ?? [];
        var current = new Dictionary<string, int>();
        foreach (var resource in resources)
        {
            foreach (var endpoint in resource.EndpointList)
            {
                endpoint.AllocatedPorts.Clear();
                for (var replica = 0; replica < resource.Replicas; replica++)
                {
                    var key = $"{resource.Name}/{endpoint.Name}/{replica}";
                    var preferred = replica == 0 && endpoint.RequestedPort is { } requested ? requested : remembered.GetValueOrDefault(key);
                    var port = TakePort(preferred);
                    endpoint.AllocatedPorts.Add(port);
                    current[key] = port;
                }
            }
        }
        if (!randomPorts)
        {
            File.WriteAllText(PortsFile, JsonSerializer.Serialize(current));
        }
    }

    public int TakePort(int preferred)
    {
        lock (_gate)
        {
            if (preferred > 0 && !_portsTaken.Contains(preferred) && IsFree(preferred))
            {
                _portsTaken.Add(preferred);
                return preferred;
            }
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (_portsTaken.Add(port))
                {
                    return port;
                }
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void RecordProcess(string resource, int pid)
    {
        lock (_gate)
        {
            var processes = Read<List<RecordedProcess>>(ProcessesFile) ?? [];
            processes.RemoveAll(p => p.Pid == pid);
            processes.Add(new RecordedProcess(resource, pid, ProcessSignals.StartTime(pid) ?? 0));
            File.WriteAllText(ProcessesFile, JsonSerializer.Serialize(processes));
        }
    }

    public void ForgetProcess(int pid)
    {
        lock (_gate)
        {
            var processes = Read<List<RecordedProcess>>(ProcessesFile) ?? [];
            if (processes.RemoveAll(p => p.Pid == pid) > 0)
            {
                File.WriteAllText(ProcessesFile, JsonSerializer.Serialize(processes));
            }
        }
    }

    /// <summary>Kills children a previous run left alive (it was killed itself, so it could not stop them).</summary>
    public IReadOnlyList<string> KillLeftovers()
    {
        var killed = new List<string>();
        foreach (var process in Read<List<RecordedProcess>>(ProcessesFile) ?? [])
        {
            if (ProcessSignals.StartTime(process.Pid) == process.StartTime && ProcessSignals.IsAlive(process.Pid))
            {
                ProcessSignals.SignalGroup(process.Pid, ProcessSignals.SIGKILL);
                killed.Add($"{process.Resource} (pid {process.Pid})");
            }
        }
        File.Delete(ProcessesFile);
        return killed;
    }

    private static T? Read<T>(string path) where T : class
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record RecordedProcess(string Resource, int Pid, long StartTime);
}
