using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Alle.AppHost.LocalServers;

/// <summary>
/// Where the local servers keep their data: <c>AppHost:StateDirectory</c> (<c>--state-dir</c>), by default a folder under
/// /var/tmp per checkout, so two clones never share data and the service accounts PostgreSQL and RabbitMQ run as (when
/// the AppHost runs as root) can reach it. Holds each server's folder, its generated password (it belongs to the data)
/// and the ports the servers had last time, so connection strings stay the same between runs.
/// </summary>
public sealed class StateFolder
{
    private static readonly ConditionalWeakTable<IDistributedApplicationBuilder, StateFolder> s_folders = [];
    private readonly object _gate = new();
    private readonly bool _randomPorts;
    private readonly HashSet<int> _portsTaken = [];

    private StateFolder(string path, bool reset, bool randomPorts)
    {
        Path = path;
        _randomPorts = randomPorts;
        Directory.CreateDirectory(path);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The AppHost runs Debian's server packages: it needs Linux.");
        }
        // World-traversable, so the service accounts reach their own sub-folders.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        if (reset)
        {
            foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos())
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

    public string Path { get; }

    private string PortsFile => System.IO.Path.Combine(Path, "ports.json");

    /// <summary>The state folder of this AppHost run (one per builder).</summary>
    public static StateFolder Of(IDistributedApplicationBuilder builder) => s_folders.GetValue(builder, b =>
    {
        var configured = b.Configuration["AppHost:StateDirectory"];
        var path = string.IsNullOrWhiteSpace(configured) ? DefaultPath() : System.IO.Path.GetFullPath(configured);
        return new StateFolder(path, b.Configuration.GetValue<bool>("AppHost:Reset"), b.Configuration.GetValue<bool>("AppHost:RandomPorts"));
    });

    /// <summary>A server's own folder, created on first use.</summary>
    public string ServerDirectory(string name)
    {
        var directory = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>A server's password: generated with its data on the first run, kept beside it (mode 0600).</summary>
    public string Password(string server)
    {
        var file = System.IO.Path.Combine(ServerDirectory(server), "password");
        lock (_gate)
        {
            if (!File.Exists(file))
            {
                var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
                WriteSecretFile(file, password);
            }
            return File.ReadAllText(file).Trim();
        }
    }

    /// <summary>Writes a file only its owner can read or write.</summary>
    public static void WriteSecretFile(string path, string contents)
    {
        File.WriteAllText(path, contents, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>
    /// A loopback port for a server endpoint: the one it had last time when still free, else a free one (always a fresh
    /// one with <c>--random-ports</c>).
    /// </summary>
    public int Port(string key)
    {
        lock (_gate)
        {
            var remembered = _randomPorts ? [] : ReadPorts();
            var port = remembered.TryGetValue(key, out var previous) && !_portsTaken.Contains(previous) && IsFree(previous)
                ? previous
                : FreePort();
            _portsTaken.Add(port);
            if (!_randomPorts)
            {
                remembered[key] = port;
                File.WriteAllText(PortsFile, JsonSerializer.Serialize(remembered));
            }
            return port;
        }
    }

    /// <summary>A free loopback port, for settings the AppHost must fix before it starts (the dashboard's, with <c>--random-ports</c>).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Dictionary<string, int> ReadPorts()
    {
        try
        {
            return File.Exists(PortsFile) ? JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(PortsFile)) ?? [] : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string DefaultPath()
    {
        var checkout = AppContext.BaseDirectory;
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(checkout)))[..10].ToLowerInvariant();
        return System.IO.Path.Combine("/var/tmp", "alle", hash);
    }
}
