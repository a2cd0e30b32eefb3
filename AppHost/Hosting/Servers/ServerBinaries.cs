namespace Alle.Hosting;

/// <summary>Finds the server programs Debian installs, or says which package provides a missing one.</summary>
internal static class ServerBinaries
{
    public static string Find(string program, string debianPackage, params string[] candidateDirectories)
    {
        var searchPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (var directory in candidateDirectories.Concat(searchPath).Concat(["/usr/sbin", "/usr/bin", "/sbin"]))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new MissingServerException(program, debianPackage);
    }

    /// <summary>Debian keeps PostgreSQL's server programs in /usr/lib/postgresql/{version}/bin; the newest version wins.</summary>
    public static string[] PostgresDirectories() => Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql")
            .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var version) ? version : 0)
            .Select(d => Path.Combine(d, "bin"))
            .ToArray()
        : [];
}

/// <summary>A server program is not installed; the message names the Debian package to install.</summary>
public sealed class MissingServerException(string program, string debianPackage)
    : Exception($"'{program}' was not found. Install the Debian package '{debianPackage}' (sudo apt-get install -y {debianPackage}) and run again.")
{
    public string DebianPackage { get; } = debianPackage;
}
