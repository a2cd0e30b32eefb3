using System.Text.RegularExpressions;
using Alle.Audiences.Conditions;

namespace Alle.Audiences.Definitions;

/// <summary>Rules for keys and names shared by audiences, computed traits and models.</summary>
internal static partial class DefinitionKeys
{
    /// <summary>Path segments under /api/audiences that an audience key would collide with.</summary>
    private static readonly HashSet<string> s_reserved = new(StringComparer.Ordinal) { "preview", "profiles", "computed-traits", "models", "dead-letters" };

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex TraitKeyPattern();

    public static void CheckKey(string? key, ValidationErrors errors, string path = "$.key")
    {
        if (key is null || !KeyPattern().IsMatch(key))
        {
            errors.Add(path, "A key is 1 to 64 characters: lower-case letters, digits, '-' and '_', starting with a letter or digit. It cannot change later.");
        }
        else if (s_reserved.Contains(key))
        {
            errors.Add(path, $"\"{key}\" is reserved.");
        }
    }

    /// <summary>A computed trait's key is also the trait name on the profile: snake_case.</summary>
    public static void CheckTraitKey(string? key, ValidationErrors errors, string path = "$.key")
    {
        if (key is null || !TraitKeyPattern().IsMatch(key))
        {
            errors.Add(path, "A computed trait's key becomes a trait name: 1 to 64 characters of lower-case letters, digits and '_', starting with a letter.");
        }
    }

    public static void CheckName(string? name, ValidationErrors errors, string path = "$.name")
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200)
        {
            errors.Add(path, "A name is required (at most 200 characters).");
        }
    }

    public static void CheckDescription(string? description, ValidationErrors errors, string path = "$.description")
    {
        if (description is { Length: > 2000 })
        {
            errors.Add(path, "A description is at most 2000 characters.");
        }
    }

    /// <summary>Serialises definition changes, so reference and cycle checks never race with another change.</summary>
    public static Task LockCatalogAsync(Npgsql.NpgsqlConnection connection, CancellationToken cancellationToken) =>
        Alle.Platform.Sql.NpgsqlCommandExtensions.ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtextextended('audiences-catalog', 7))", cancellationToken);
}
