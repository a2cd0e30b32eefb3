namespace Alle.Profiles.Identity;

/// <summary>
/// Merge rules from configuration (<c>Profiles:IdentityResolution</c>). Unset values keep the defaults of
/// <see cref="IdentityRules"/>; a limit of 0 or less means unbounded.
/// </summary>
internal sealed class IdentityResolutionOptions
{
    public const string Section = "Profiles:IdentityResolution";

    /// <summary>Values per identifier type a profile may hold, e.g. <c>user_id: 1</c>. Merged over the defaults.</summary>
    public Dictionary<string, int>? Limits { get; set; }

    /// <summary>Limit of types not listed in <see cref="Limits"/>.</summary>
    public int? DefaultLimit { get; set; }

    /// <summary>Types in priority order, highest first; unlisted types follow in alphabetical order.</summary>
    public string[]? Priority { get; set; }

    /// <summary>Values that are never identifiers, of any type (compared case-insensitively).</summary>
    public string[]? BlockedValues { get; set; }

    /// <summary>Regular expressions matching values that are never identifiers.</summary>
    public string[]? BlockedPatterns { get; set; }

    /// <summary>Values blocked for one type only, e.g. <c>email: ["test@example.com"]</c>.</summary>
    public Dictionary<string, string[]>? BlockedValuesByType { get; set; }
}
