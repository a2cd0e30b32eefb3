using System.Text.RegularExpressions;
using Alle.Testing;

namespace Alle.IntegrationTests.ApiDocumentation;

/// <summary>Every relative link in the repository's Markdown points at a file or folder that exists.</summary>
public sealed partial class DocumentationLinkTests
{
    [Fact]
    public void Every_relative_link_in_the_documentation_points_at_something_that_exists()
    {
        var documents = Directory.EnumerateFiles(Repository.Root, "*.md", SearchOption.AllDirectories)
            .Where(path => !IsGenerated(Path.GetRelativePath(Repository.Root, path)))
            .ToList();
        Assert.Contains(documents, path => Path.GetFileName(path) == "README.md");

        var broken = new List<string>();
        foreach (var document in documents)
        {
            foreach (Match link in MarkdownLink().Matches(File.ReadAllText(document)))
            {
                var target = link.Groups["target"].Value.Split('#')[0];
                if (target.Length == 0 || target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }
                var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, Uri.UnescapeDataString(target)));
                if (!File.Exists(resolved) && !Directory.Exists(resolved))
                {
                    broken.Add($"{Path.GetRelativePath(Repository.Root, document)}: {link.Value}");
                }
            }
        }
        Assert.True(broken.Count == 0, "Links to nothing:\n" + string.Join("\n", broken));
    }

    private static bool IsGenerated(string relativePath) =>
        relativePath.Split(Path.DirectorySeparatorChar) is var parts
        && parts.Any(part => part is "bin" or "obj" or "node_modules" or ".git");

    [GeneratedRegex(@"!?\[[^\]]*\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex MarkdownLink();
}
