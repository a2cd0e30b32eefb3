namespace Alle.Testing;

/// <summary>The repository the tests run from: checked-in documents and sources that tests compare against.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Alle.Aspire.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("Run the tests from inside the repository.");
        }
        return root.FullName;
    }
}
