using Alle.Platform.Authorization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Alle.Contracts;
using Alle.Platform.Authentication;
using Alle.Profiles.Identity;
using Alle.Profiles.Reading;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Profiles.Apis;

/// <summary>
/// Segment's Profile API read paths: <c>/v1/spaces/{space}/collections/users/profiles/{type}:{value}/…</c>, with the
/// access token (the admin key) as HTTP Basic user name or Bearer token.
/// </summary>
internal static class ProfileApi
{
    public static RouteGroupBuilder MapProfileApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/profiles/v1/spaces/{space}/collections/users/profiles/{identifier}")
            .RequirePermission(Permissions.MembersWrite)
            .WithTags("Profile API");
        api.MapGet("/traits", GetTraits).WithSummary("A profile's traits (Segment Profile API)");
        api.MapGet("/events", GetEvents).WithSummary("A profile's events (Segment Profile API)");
        api.MapGet("/external_ids", GetExternalIds).WithSummary("A profile's identifiers (Segment Profile API)");
        api.MapGet("/metadata", GetMetadata).WithSummary("A profile's metadata (Segment Profile API)");
        api.MapGet("/links", GetLinks).WithSummary("Profiles linked to this one (Segment Profile API)");
        return api;
    }

    private static async Task<Results<Ok<TraitsResponse>, ProblemHttpResult>> GetTraits(
        string identifier, HttpRequest request, ProfileDirectory directory, IdentifierNormalizer normalizer, CancellationToken cancellationToken,
        string? include = null, int limit = 10, string? next = null, string? @class = null, bool verbose = false)
    {
        if (limit is < 1 or > 200)
        {
            return SegmentErrors.Validation("limit must be between 1 and 200.");
        }
        if (@class is not (null or "audience" or "computed_trait" or "trait"))
        {
            return SegmentErrors.Validation("class must be audience, computed_trait or trait.");
        }
        var found = await FindAsync(identifier, directory, normalizer, cancellationToken);
        if (found.Profile is null)
        {
            return found.Error!;
        }

        // Audiences and computed traits belong to the audiences service: this profile holds the traits identify calls set.
        var included = include?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var traits = found.Profile!.Traits
            .Where(t => @class is null or "trait" && (included is null || included.Contains(t.Key)))
            .Where(t => next is null || string.CompareOrdinal(t.Key, next) >= 0)
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList();
        var page = traits.Take(limit).ToDictionary(t => t.Key, t => verbose ? (object)t.Value : t.Value.Value, StringComparer.Ordinal);
        var nextKey = traits.Count > limit ? traits[limit].Key : "";
        return TypedResults.Ok(new TraitsResponse(page, new Cursor(Url(request), nextKey.Length > 0, nextKey, limit)));
    }

    private static async Task<Results<Ok<PageResponse<TimelineEvent>>, ProblemHttpResult>> GetEvents(
        string identifier, HttpRequest request, ProfileDirectory directory, ProfileStore store, IdentifierNormalizer normalizer, CancellationToken cancellationToken,
        int limit = 10, string? next = null, string? sort = null, string? include = null, string? exclude = null, DateTimeOffset? start = null, DateTimeOffset? end = null,
        string? type = null)
    {
        if (limit is < 1 or > 100)
        {
            return SegmentErrors.Validation("limit must be between 1 and 100.");
        }
        if (sort is not (null or "asc" or "desc"))
        {
            return SegmentErrors.Validation("sort must be asc or desc.");
        }
        // Not in Segment's API: the console's timeline filters by call type (track, identify, page, screen, group, alias).
        var types = Names(type);
        if (types is not null && !types.All(EventTypes.Contains))
        {
            return SegmentErrors.Validation($"type must be one or more of {string.Join(", ", EventTypes)}, separated by commas.");
        }
        if (!EventCursor.TryDecode(next, out var after))
        {
            return SegmentErrors.Validation("next is not a cursor this API returned.");
        }
        var found = await FindAsync(identifier, directory, normalizer, cancellationToken);
        if (found.Profile is null)
        {
            return found.Error!;
        }

        var query = new EventsQuery(limit + 1, after, sort == "asc", Names(include), Names(exclude), start, end, types);
        var events = new List<TimelineEvent>(limit + 1);
        await foreach (var item in store.ReadEventsAsync(found.Profile!.ProfileId, query, cancellationToken))
        {
            events.Add(item);
        }
        var hasMore = events.Count > limit;
        var page = events.Take(limit).ToList();
        return TypedResults.Ok(new PageResponse<TimelineEvent>(page, new Cursor(Url(request), hasMore, hasMore ? page[^1].Cursor : "", limit)));
    }

    private static async Task<Results<Ok<PageResponse<ExternalIdResponse>>, ProblemHttpResult>> GetExternalIds(
        string identifier, HttpRequest request, ProfileDirectory directory, IdentifierNormalizer normalizer, CancellationToken cancellationToken,
        string? include = null, int limit = 25, string? next = null)
    {
        if (limit is < 1 or > 100)
        {
            return SegmentErrors.Validation("limit must be between 1 and 100.");
        }
        var offset = 0;
        if (next is { Length: > 0 } && (!int.TryParse(next, out offset) || offset < 0))
        {
            return SegmentErrors.Validation("next is not a cursor this API returned.");
        }
        var found = await FindAsync(identifier, directory, normalizer, cancellationToken);
        if (found.Profile is null)
        {
            return found.Error!;
        }

        var types = Names(include)?.ToHashSet(StringComparer.Ordinal);
        var all = found.Profile!.Identities
            .Where(i => types is null || types.Contains(i.Type))
            .OrderByDescending(i => i.CreatedAt).ThenBy(i => i.Type, StringComparer.Ordinal).ThenBy(i => i.Value, StringComparer.Ordinal)
            .ToList();
        var page = all.Skip(offset).Take(limit).Select(ExternalIdResponse.From).ToList();
        var hasMore = offset + limit < all.Count;
        return TypedResults.Ok(new PageResponse<ExternalIdResponse>(page, new Cursor(Url(request), hasMore, hasMore ? (offset + limit).ToString() : "", limit)));
    }

    private static async Task<Results<Ok<MetadataResponse>, ProblemHttpResult>> GetMetadata(
        string identifier, ProfileDirectory directory, IdentifierNormalizer normalizer, CancellationToken cancellationToken)
    {
        var found = await FindAsync(identifier, directory, normalizer, cancellationToken);
        if (found.Profile is null)
        {
            return found.Error!;
        }
        var metadata = found.Profile!.Metadata;
        return TypedResults.Ok(new MetadataResponse(new MetadataBody(metadata.CreatedAt, metadata.UpdatedAt, null,
            metadata.FirstMessageId, metadata.FirstSourceId, metadata.LastMessageId, metadata.LastSourceId)));
    }

    private static async Task<Results<Ok<LinksResponse>, ProblemHttpResult>> GetLinks(
        string identifier, ProfileDirectory directory, IdentifierNormalizer normalizer, CancellationToken cancellationToken, int limit = 20)
    {
        if (limit is < 1 or > 20)
        {
            return SegmentErrors.Validation("limit must be between 1 and 20.");
        }
        var found = await FindAsync(identifier, directory, normalizer, cancellationToken);
        if (found.Profile is null)
        {
            return found.Error!;
        }
        var links = found.Profile!.Links.Take(limit)
            .Select(link => new LinkResponse("accounts", [new ExternalIdResponse(link.GroupId, "group_id", link.SourceId, "accounts", link.CreatedAt, "none", null)]))
            .ToList();
        return TypedResults.Ok(new LinksResponse(links));
    }

    /// <summary>The profile an identifier names, or the error to answer (400 malformed, 404 unknown).</summary>
    private static async Task<Found> FindAsync(string identifier, ProfileDirectory directory, IdentifierNormalizer normalizer, CancellationToken cancellationToken)
    {
        switch (normalizer.TryParse(identifier, out var parsed))
        {
            case IdentifierParse.Malformed:
                return new Found(null, SegmentErrors.Validation("The identifier must be written as <type>:<value>, e.g. user_id:123 or phone:%2B15555550100."));
            case IdentifierParse.NeverAnIdentifier:
                return new Found(null, SegmentErrors.ProfileNotFound());
        }
        var profile = await directory.FindAsync(parsed!, cancellationToken);
        return profile is null ? new Found(null, SegmentErrors.ProfileNotFound()) : new Found(profile, null);
    }

    private static readonly string[] EventTypes = ["track", "identify", "page", "screen", "group", "alias"];

    private static string[]? Names(string? list) =>
        list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } names ? names : null;

    private static string Url(HttpRequest request) => $"{request.PathBase}{request.Path}{request.QueryString}";

    private sealed record Found(ProfileDocument? Profile, ProblemHttpResult? Error);

    internal sealed record Cursor(
        [property: JsonPropertyName("url")] string Url,
        [property: JsonPropertyName("has_more")] bool HasMore,
        [property: JsonPropertyName("next")] string Next,
        [property: JsonPropertyName("limit")] int Limit);

    internal sealed record TraitsResponse([property: JsonPropertyName("traits")] IReadOnlyDictionary<string, object> Traits, [property: JsonPropertyName("cursor")] Cursor Cursor);

    internal sealed record PageResponse<T>([property: JsonPropertyName("data")] IReadOnlyList<T> Data, [property: JsonPropertyName("cursor")] Cursor Cursor);

    internal sealed record ExternalIdResponse(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("source_id")] string SourceId,
        [property: JsonPropertyName("collection")] string Collection,
        [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
        [property: JsonPropertyName("encoding")] string Encoding,
        [property: JsonPropertyName("first_message_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FirstMessageId)
    {
        public static ExternalIdResponse From(StoredIdentity identity) =>
            new(identity.Value, identity.Type, identity.SourceId, "users", identity.CreatedAt, "none", identity.FirstMessageId);
    }

    internal sealed record MetadataResponse([property: JsonPropertyName("metadata")] MetadataBody Metadata);

    internal sealed record MetadataBody(
        [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
        [property: JsonPropertyName("updated_at")] DateTimeOffset UpdatedAt,
        [property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt,
        [property: JsonPropertyName("first_message_id")] string FirstMessageId,
        [property: JsonPropertyName("first_source_id")] string FirstSourceId,
        [property: JsonPropertyName("last_message_id")] string LastMessageId,
        [property: JsonPropertyName("last_source_id")] string LastSourceId);

    internal sealed record LinksResponse([property: JsonPropertyName("data")] IReadOnlyList<LinkResponse> Data);

    internal sealed record LinkResponse(
        [property: JsonPropertyName("to_collection")] string ToCollection,
        [property: JsonPropertyName("external_ids")] IReadOnlyList<ExternalIdResponse> ExternalIds);
}
