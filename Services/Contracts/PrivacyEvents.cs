namespace Alle.Contracts;

/// <summary>An identifier of a person: <paramref name="Type"/> is user_id, anonymous_id, phone (E.164) or email (lower-case).</summary>
public sealed record Identifier(string Type, string Value);

/// <summary>
/// Events carrying any of these identifiers must be dropped at ingestion from now on (<paramref name="Suppressed"/> true),
/// or accepted again (false, after an UNSUPPRESS regulation).
/// </summary>
public sealed record SubjectsSuppressed(string RegulationId, IReadOnlyList<Identifier> Subjects, bool Suppressed, DateTimeOffset At);

/// <summary>A person's profile was deleted: every service deletes what it holds about these identifiers and reports back.</summary>
public sealed record ProfileDeleted(string RegulationId, Guid ProfileId, IReadOnlyList<Identifier> Identifiers, DateTimeOffset DeletedAt);

/// <summary>A service finished deleting a person's data for a regulation (<paramref name="Service"/> names it, e.g. warehouse, loyalty).</summary>
public sealed record PersonalDataDeleted(string RegulationId, Guid ProfileId, string Service, long RowsDeleted, DateTimeOffset DeletedAt);
