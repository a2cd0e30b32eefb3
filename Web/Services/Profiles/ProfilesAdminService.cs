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

    /// <summary>Deletes and suppresses everything held about the user id, in every service; answers the regulation id.</summary>
    public async Task<string> DeleteAndSuppressAsync(string userId, CancellationToken cancellationToken)
    {
        var created = await http.PostAsJsonAsync("/api/profiles/regulations",
            new { regulationType = "SUPPRESS_WITH_DELETE", subjectType = "USER_ID", subjectIds = new[] { userId } }, cancellationToken)
            .ReadAsync<JsonElement>(cancellationToken);
        return created.GetProperty("data").GetProperty("regulateId").GetString()!;
    }

    private sealed record DataList<T>(IReadOnlyList<T> Data);
}

public sealed record ProfileIdentifier(string Type, string Value);

public sealed record ProfileSummary(Guid ProfileId, string? UserId, IReadOnlyDictionary<string, JsonElement> Traits, IReadOnlyList<ProfileIdentifier> Identifiers);

public sealed record TimelineEvent(
    string Type,
    [property: JsonPropertyName("message_id")] string MessageId,
    [property: JsonPropertyName("source_id")] string SourceId,
    DateTimeOffset Timestamp, JsonElement? Properties, JsonElement? Traits, string? Event, string? Name);
