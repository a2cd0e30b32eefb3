using System.Text.Json.Nodes;

namespace Alle.IntegrationTests.BadInput;

/// <summary>Who calls an endpoint when it is used as intended.</summary>
internal enum Caller
{
    Anonymous,
    Admin,
    /// <summary>Member A's token (member endpoints name her id in the path).</summary>
    Member,
    /// <summary>The provider desk's key.</summary>
    Provider,
    /// <summary>The corpus's own source, its write key as HTTP Basic user name.</summary>
    WriteKey,
    /// <summary>Twilio: a form body signed with the auth token.</summary>
    Twilio,
    /// <summary>A browser: the portal's and console's pages, forms with antiforgery tokens.</summary>
    Browser,
    /// <summary>A member token with a signature that was never issued.</summary>
    ForgedMemberToken,
    /// <summary>HTTP Basic with a write key no source has.</summary>
    UnknownWriteKey,
}

/// <summary>How the type of a query-string parameter constrains it.</summary>
internal enum QueryKind
{
    Text,
    Integer,
    Number,
    Boolean,
    Guid,
    Instant,
}

/// <summary>
/// One endpoint as the corpus knows it: how it is called when used as intended (caller, existing path values, a valid
/// body, its query parameters), from which <see cref="BadRequests"/> derives the bad requests.
/// </summary>
internal sealed record EndpointSpec(string Service, string Method, string Route, Caller Caller)
{
    /// <summary>Existing path values (the corpus's own source, members, offers…) by parameter name.</summary>
    public Func<BadInputWorld, Dictionary<string, string>> Values { get; init; } = _ => [];

    /// <summary>A valid JSON body (or form fields for <see cref="Caller.Twilio"/>); null when the endpoint takes none.</summary>
    public Func<BadInputWorld, JsonObject>? Body { get; init; }

    /// <summary>Body members that may be null or absent (JSON paths as <c>a.b[0].c</c>): their nulls are valid input.</summary>
    public string[] Optional { get; init; } = [];

    /// <summary>Body members that take any JSON value (a filter's value, event properties): their types are not checked.</summary>
    public string[] AnyValue { get; init; } = [];

    /// <summary>Path parameters whose value the endpoint does not check (any value reads the same).</summary>
    public string[] AnyPathValue { get; init; } = [];

    public Dictionary<string, QueryKind> Query { get; init; } = [];

    /// <summary>
    /// A query: asking about something that does not exist may answer an empty 200 (a filter matching nothing, an
    /// unknown profile's empty merge log), which changes nothing; refusals are still problems and never 5xx.
    /// </summary>
    public bool Lookup { get; init; }

    /// <summary>Segment's Tracking API answers 200 for well-formed JSON whose events are invalid: they are rejected, not stored.</summary>
    public bool SegmentTracking { get; init; }

    /// <summary>A page of the portal or console (HTML, not problem documents).</summary>
    public bool Page => Method == "PAGE";

    public string Key => $"{Service} {Method} {Route}";

    public override string ToString() => Key;
}
