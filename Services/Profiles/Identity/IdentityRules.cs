using System.Text.RegularExpressions;

namespace Alle.Profiles.Identity;

/// <summary>Segment-style merge protection: limits per identifier type, a priority order, and blocked values.</summary>
internal sealed class IdentityRules
{
    public static readonly IReadOnlyDictionary<string, int> DefaultLimits = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [IdentifierTypes.UserId] = 1,
        [IdentifierTypes.Phone] = 1,
        [IdentifierTypes.Email] = 5,
        [IdentifierTypes.AnonymousId] = 0,
    };

    public static readonly IReadOnlyList<string> DefaultPriority = [IdentifierTypes.UserId, IdentifierTypes.Phone, IdentifierTypes.Email];

    public static readonly IReadOnlyList<string> DefaultBlockedValues = ["null", "undefined", "anonymous", "unknown", "none", "nil", "n/a", "-1"];

    /// <summary>Empty values, and values made only of zeros and dashes (00000000-0000-…).</summary>
    public static readonly IReadOnlyList<string> DefaultBlockedPatterns = ["^[0\\-]*$"];

    private readonly Dictionary<string, int> _limits;
    private readonly int _defaultLimit;
    private readonly Dictionary<string, int> _priority;
    private readonly HashSet<string> _blockedValues;
    private readonly Dictionary<string, HashSet<string>> _blockedByType;
    private readonly Regex[] _blockedPatterns;

    public IdentityRules(IdentityResolutionOptions? options = null)
    {
        options ??= new IdentityResolutionOptions();
        _limits = new Dictionary<string, int>(DefaultLimits, StringComparer.Ordinal);
        foreach (var (type, limit) in options.Limits ?? [])
        {
            _limits[type] = limit;
        }
        _defaultLimit = options.DefaultLimit ?? 5;
        _priority = (options.Priority ?? [.. DefaultPriority])
            .Select((type, index) => (type, index))
            .ToDictionary(p => p.type, p => p.index, StringComparer.Ordinal);
        _blockedValues = new HashSet<string>(options.BlockedValues ?? [.. DefaultBlockedValues], StringComparer.OrdinalIgnoreCase);
        _blockedByType = (options.BlockedValuesByType ?? []).ToDictionary(
            p => p.Key, p => new HashSet<string>(p.Value, StringComparer.OrdinalIgnoreCase), StringComparer.Ordinal);
        _blockedPatterns = [.. (options.BlockedPatterns ?? [.. DefaultBlockedPatterns])
            .Select(BlockedPattern)];
    }

    // Linear-time matching instead of a match timeout: a timeout is wall-clock time, so a busy machine made a trivial
    // pattern time out and an identify fail; a pattern the engine cannot run in linear time is refused at start.
    private static Regex BlockedPattern(string pattern) =>
        new(pattern, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.NonBacktracking, Regex.InfiniteMatchTimeout);

    /// <summary>How many values of <paramref name="type"/> one profile may hold; null when unbounded.</summary>
    public int? LimitOf(string type)
    {
        var limit = _limits.TryGetValue(type, out var configured) ? configured : _defaultLimit;
        return limit > 0 ? limit : null;
    }

    public bool IsBlocked(string type, string value) =>
        _blockedValues.Contains(value)
        || (_blockedByType.TryGetValue(type, out var blocked) && blocked.Contains(value))
        || _blockedPatterns.Any(pattern => pattern.IsMatch(value));

    /// <summary>Orders identifiers highest priority first: the configured order, then other types alphabetically.</summary>
    public IEnumerable<Alle.Contracts.Identifier> InPriorityOrder(IEnumerable<Alle.Contracts.Identifier> identifiers) => identifiers
        .OrderBy(identifier => _priority.TryGetValue(identifier.Type, out var rank) ? rank : int.MaxValue)
        .ThenBy(identifier => identifier.Type, StringComparer.Ordinal)
        .ThenBy(identifier => identifier.Value, StringComparer.Ordinal);
}
