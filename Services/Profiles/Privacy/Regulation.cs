using Alle.Contracts;
using Alle.Platform.Identifiers;
using Alle.Profiles.Identity;

namespace Alle.Profiles.Privacy;

/// <summary>Regulation types of Segment's regulations API.</summary>
internal static class RegulationTypes
{
    public const string SuppressOnly = "SUPPRESS_ONLY";
    public const string SuppressWithDelete = "SUPPRESS_WITH_DELETE";
    public const string DeleteOnly = "DELETE_ONLY";
    public const string Unsuppress = "UNSUPPRESS";

    public static readonly IReadOnlyList<string> All = [SuppressOnly, SuppressWithDelete, DeleteOnly, Unsuppress];

    public static bool Suppresses(string type) => type is SuppressOnly or SuppressWithDelete;

    public static bool Deletes(string type) => type is SuppressWithDelete or DeleteOnly;
}

internal static class RegulationStatus
{
    public const string Initialized = "INITIALIZED";
    public const string Running = "RUNNING";
    public const string Finished = "FINISHED";
    public const string Failed = "FAILED";
}

/// <summary>Configuration <c>Privacy</c>: the services that must confirm a deletion before a regulation is FINISHED.</summary>
internal sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    public static readonly IReadOnlyList<string> DefaultServices = ["warehouse", "audiences", "messaging", "loyalty", "destinations"];

    public string[]? Services { get; set; }

    /// <summary>How long the services have to report before the regulation is FAILED.</summary>
    public TimeSpan CompletionTimeout { get; set; } = TimeSpan.FromDays(7);

    public IReadOnlyList<string> ServicesOrDefault => Services is { Length: > 0 } services ? services : DefaultServices;
}

/// <summary>A regulation request as posted: validated into subjects before anything is stored.</summary>
internal sealed record RegulationRequest(string? RegulationType, string? SubjectType, string[]? SubjectIds)
{
    public const int MaxSubjects = 5000;

    private static readonly Dictionary<string, string> s_subjectTypes = new(StringComparer.Ordinal)
    {
        ["USER_ID"] = IdentifierTypes.UserId,
        ["PHONE"] = IdentifierTypes.Phone,
        ["EMAIL"] = IdentifierTypes.Email,
    };

    /// <summary>The subjects as identifiers, or the validation errors (by field).</summary>
    public (IReadOnlyList<Identifier> Subjects, Dictionary<string, string[]> Errors) Validate(IdentifierNormalizer normalizer)
    {
        var errors = new Dictionary<string, string[]>();
        if (RegulationType is null || !RegulationTypes.All.Contains(RegulationType))
        {
            errors["regulationType"] = [$"Must be one of {string.Join(", ", RegulationTypes.All)}."];
        }
        if (SubjectType is null || !s_subjectTypes.ContainsKey(SubjectType))
        {
            errors["subjectType"] = ["Must be USER_ID, PHONE or EMAIL."];
        }
        if (SubjectIds is not { Length: > 0 and <= MaxSubjects })
        {
            errors["subjectIds"] = [$"Give between 1 and {MaxSubjects} subject ids."];
        }
        if (errors.Count > 0)
        {
            return ([], errors);
        }

        var type = s_subjectTypes[SubjectType!];
        var subjects = new List<Identifier>(SubjectIds!.Length);
        var invalid = new List<int>();
        for (var i = 0; i < SubjectIds.Length; i++)
        {
            var value = type switch
            {
                IdentifierTypes.Phone => normalizer.Phones.ToE164(SubjectIds[i]),
                IdentifierTypes.Email => EmailNormalizer.Normalize(SubjectIds[i]),
                _ => string.IsNullOrWhiteSpace(SubjectIds[i]) ? null : SubjectIds[i].Trim(),
            };
            if (value is null)
            {
                invalid.Add(i);
            }
            else
            {
                subjects.Add(new Identifier(type, value));
            }
        }
        if (invalid.Count > 0)
        {
            // Positions, not values: subject ids are personal data.
            errors["subjectIds"] = [$"Not a valid {SubjectType} at positions {string.Join(", ", invalid.Take(20))}{(invalid.Count > 20 ? ", …" : "")}."];
            return ([], errors);
        }
        return ([.. subjects.Distinct()], errors);
    }
}
