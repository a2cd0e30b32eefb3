using System.Runtime.InteropServices;

namespace Alle.Hosting;

/// <summary>POSIX signals for child processes; .NET's Process only offers SIGKILL.</summary>
internal static partial class ProcessSignals
{
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    /// <summary>Signals the process group led by <paramref name="pid"/> (every child is started as a session leader).</summary>
    public static bool SignalGroup(int pid, int signal) => Kill(-pid, signal) == 0 || Kill(pid, signal) == 0;

    public static bool IsAlive(int pid) => Kill(pid, 0) == 0 && !IsZombie(pid);

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat[(stat.LastIndexOf(')') + 2)..];
            return afterName.StartsWith('Z') || afterName.StartsWith('X');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The process's start time in clock ticks since boot, to tell a recorded pid from a reused one.</summary>
    public static long? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
