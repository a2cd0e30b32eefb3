namespace Alle.AppHost.LocalServers;

/// <summary>Finds the server programs Debian installs, or says which package provides a missing one.</summary>
public static class ServerPrograms
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

    /// <summary>
    /// The same, for the AppHost's own start: a missing program ends the AppHost with the package to install and exit
    /// code 2, rather than a stack trace.
    /// </summary>
    public static string FindOrExit(string program, string debianPackage, params string[] candidateDirectories)
    {
        try
        {
            return Find(program, debianPackage, candidateDirectories);
        }
        catch (MissingServerException exception)
        {
            Console.Error.WriteLine($"error: {exception.Message}");
            Environment.Exit(2);
            throw;
        }
    }

    /// <summary>Debian keeps PostgreSQL's server programs in /usr/lib/postgresql/{version}/bin; the newest version wins.</summary>
    public static string[] PostgresDirectories() => Directory.Exists("/usr/lib/postgresql")
        ? [.. Directory.GetDirectories("/usr/lib/postgresql")
            .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var version) ? version : 0)
            .Select(d => Path.Combine(d, "bin"))]
        : [];
}

/// <summary>A server program is not installed; the message names the Debian package to install.</summary>
public sealed class MissingServerException(string program, string debianPackage)
    : Exception($"'{program}' was not found. Install the Debian package '{debianPackage}' (sudo apt-get install -y {debianPackage}) and run again.")
{
    public string DebianPackage { get; } = debianPackage;
}
