using System.Text.RegularExpressions;

namespace Alle.UnitTests.Platform;

/// <summary>
/// Where SQL lives: API files call stores and never reach the database themselves, and commands are built with the
/// one set of helpers in <c>Services/Platform/Sql</c>. Read from the source, so a new file that breaks the rule fails here.
/// </summary>
public sealed partial class SqlPlacementTests
{
    private static readonly string Root = RepositoryRoot();

    [Fact]
    public void Api_files_do_not_reach_the_database()
    {
        var apiFiles = SourceFiles().Where(path => path.Split('/').Contains("Apis")).ToList();
        Assert.True(apiFiles.Count >= 20, $"Expected the services' API files, found {apiFiles.Count}.");

        var offences = apiFiles
            .SelectMany(path => File.ReadLines(Path.Combine(Root, path)).Select((line, index) => (Path: path, Number: index + 1, Line: line)))
            .Where(line => DatabaseAccess().IsMatch(line.Line) || SqlStatement().IsMatch(line.Line))
            .Select(line => $"{line.Path}:{line.Number}: {line.Line.Trim()}")
            .ToList();

        Assert.True(offences.Count == 0,
            "SQL belongs in a store class beside its feature; these API lines reach the database:\n" + string.Join('\n', offences));
    }

    [Fact]
    public void Services_build_commands_with_the_platform_helpers()
    {
        var offences = SourceFiles()
            .Where(path => !path.StartsWith("Services/Platform/Sql/", StringComparison.Ordinal))
            .Where(path => CommandHelper().IsMatch(File.ReadAllText(Path.Combine(Root, path))))
            .ToList();

        Assert.True(offences.Count == 0,
            "Command helpers are written once, in Services/Platform/Sql; these files declare their own:\n" + string.Join('\n', offences));
    }

    /// <summary>The C# files of every service and the web app, relative to the repository root, with '/' separators.</summary>
    private static IEnumerable<string> SourceFiles() =>
        new[] { "Services", "Web" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories))
            .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
            .Where(path => !path.Split('/').Any(part => part is "bin" or "obj"));

    private static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Alle.Aspire.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("Run from inside the repository.");
        }
        return root.FullName;
    }

    // Catching a database failure to choose a status code is an API's business; opening connections and running commands is not.
    [GeneratedRegex(@"\bNpgsql(DataSource|Connection|Command|Transaction|Batch|DataReader|Parameter)\b|\bAlle\.Platform\.Sql\b|\b(CreateCommand|ExecuteNonQuery|ExecuteScalar|ExecuteReader)(Async)?\(")]
    private static partial Regex DatabaseAccess();

    // SQL is written in capitals here, which keeps English in comments from matching.
    [GeneratedRegex(@"\bSELECT\s.*\bFROM\b|\bINSERT INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE FROM\b")]
    private static partial Regex SqlStatement();

    [GeneratedRegex(@"static\s+[\w<>?,\s]+?\s(Command|ExecuteAsync|ScalarAsync|ListAsync|SingleOrDefaultAsync)(<\w+>)?\(\s*this\s+Npgsql\w+|static\s+NpgsqlBatchCommand\s+Command\(|static\s+NpgsqlParameter(<\w+>)?\s+(Value|Text|Jsonb|Uuid|Date)(<\w+>)?\(")]
    private static partial Regex CommandHelper();
}
