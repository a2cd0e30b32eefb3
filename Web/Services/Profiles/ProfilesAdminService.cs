using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alle.Web.Services.Profiles;

/// <summary>Profiles with the admin key: the console's explorer, and the deletion a member asks for (a regulation on her own user id).</summary>
public sealed class ProfilesAdminService(HttpClient http)
{
    /// <param name="by">userId, phone or email.</param>
    public Task<ProfileSummary?> LookupAsync(string by, string value, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/profiles/lookup?{by}={ServiceResponses.Escape(value)}", cancellationToken).ReadOrNullAsync<ProfileSummary>(cancellationToken);

    /// <summary>The newest events of a profile named by an identifier (<c>user_id:…</c>, <c>phone:…</c>).</summary>
    public async Task<IReadOnlyList<TimelineEvent>> TimelineAsync(string identifier, int limit, CancellationToken cancellationToken) =>
        (await http.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/{ServiceResponses.Escape(identifier)}/events?limit={limit}", cancellationToken)
            .ReadAsync<DataList<TimelineEvent>>(cancellationToken)).Data;

    /// <summary>Her traits with, for each, the source that set it and when.</summary>
    public async Task<IReadOnlyDictionary<string, TraitDetail>> TraitsAsync(string identifier, CancellationToken cancellationToken) =>
        (await http.GetAsync($"{ProfilePath(identifier)}/traits?verbose=true&limit=200", cancellationToken).ReadAsync<VerboseTraits>(cancellationToken)).Traits;

    /// <summary>One page of her timeline, newest first, after the cursor of the page before.</summary>
    public Task<TimelinePage> EventsAsync(string identifier, TimelineQuery query, CancellationToken cancellationToken)
    {
        var parameters = new List<string> { $"limit={query.Limit}" };
        if (!string.IsNullOrWhiteSpace(query.Next)) { parameters.Add($"next={ServiceResponses.Escape(query.Next)}"); }
        if (!string.IsNullOrWhiteSpace(query.Event)) { parameters.Add($"include={ServiceResponses.Escape(query.Event)}"); }
        if (!string.IsNullOrWhiteSpace(query.Type)) { parameters.Add($"type={ServiceResponses.Escape(query.Type)}"); }
        if (query.From is { } from) { parameters.Add($"start={ServiceResponses.Escape(from.ToString("O"))}"); }
        if (query.To is { } to) { parameters.Add($"end={ServiceResponses.Escape(to.ToString("O"))}"); }
        return http.GetAsync($"{ProfilePath(identifier)}/events?{string.Join('&', parameters)}", cancellationToken).ReadAsync<TimelinePage>(cancellationToken);
    }

    /// <summary>The merges that made this profile, newest first, undone ones included.</summary>
    public async Task<IReadOnlyList<MergeRecord>> MergesAsync(Guid profileId, CancellationToken cancellationToken) =>
        (await http.GetAsync($"/api/profiles/{profileId}/merges", cancellationToken).ReadAsync<DataList<MergeRecord>>(cancellationToken)).Data;

    /// <summary>Splits a wrong merge: the absorbed profile comes back with its identifiers and events.</summary>
    public Task<UnmergeResult> UnmergeAsync(Guid mergeId, CancellationToken cancellationToken) =>
        http.PostAsync($"/api/profiles/merges/{mergeId}/unmerge", null, cancellationToken).ReadAsync<UnmergeResult>(cancellationToken);

    private static string ProfilePath(string identifier) => $"/api/profiles/v1/spaces/default/collections/users/profiles/{ServiceResponses.Escape(identifier)}";

    /// <summary>Deletes and suppresses everything held about the user id, in every service; answers the regulation id.</summary>
    public async Task<string> DeleteAndSuppressAsync(string userId, CancellationToken cancellationToken)
    {
        var created = await http.PostAsJsonAsync("/api/profiles/regulations",
            new { regulationType = "SUPPRESS_WITH_DELETE", subjectType = "USER_ID", subjectIds = new[] { userId } }, cancellationToken)
            .ReadAsync<JsonElement>(cancellationToken);
        return created.GetProperty("data").GetProperty("regulateId").GetString()!;
    }

    private sealed record DataList<T>(IReadOnlyList<T> Data);

    private sealed record VerboseTraits(IReadOnlyDictionary<string, TraitDetail> Traits);
}

public sealed record ProfileIdentifier(string Type, string Value);

public sealed record ProfileSummary(Guid ProfileId, string? UserId, IReadOnlyDictionary<string, JsonElement> Traits, IReadOnlyList<ProfileIdentifier> Identifiers);

public sealed record TimelineEvent(
    string Type,
    [property: JsonPropertyName("message_id")] string MessageId,
    [property: JsonPropertyName("source_id")] string SourceId,
    DateTimeOffset Timestamp, JsonElement? Properties, JsonElement? Traits, string? Event, string? Name);

public sealed record TraitDetail(JsonElement Value, [property: JsonPropertyName("updated_at")] DateTimeOffset UpdatedAt,
    [property: JsonPropertyName("source_id")] string SourceId);

/// <param name="Event">An event (or page, screen) name to keep; <paramref name="Type"/> a call type (track, identify, …).</param>
public sealed record TimelineQuery(int Limit, string? Next = null, string? Event = null, string? Type = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

public sealed record TimelineCursor([property: JsonPropertyName("has_more")] bool HasMore, string Next);

public sealed record TimelinePage(IReadOnlyList<TimelineEvent> Data, TimelineCursor Cursor);

public sealed record MergeRecord(Guid MergeId, Guid SurvivorProfileId, Guid AbsorbedProfileId, string TriggerType, JsonElement MatchedIdentifiers,
    JsonElement AbsorbedIdentifiers, DateTimeOffset MergedAt, DateTimeOffset? UnmergedAt);

public sealed record UnmergeResult(Guid MergeId, Guid SurvivorProfileId, Guid RestoredProfileId, long MovedEvents);
