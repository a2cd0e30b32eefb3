using System.Net;
using System.Text.Json;

namespace Alle.Messaging.Integrations;

/// <summary>One top-level part of a condition and whether it held: the explanation of a split's answer.</summary>
internal sealed record ConditionClause(JsonElement Condition, bool Matches);

/// <summary>Audiences' answer for one profile: whether the condition holds, and which of its parts did.</summary>
internal sealed record ConditionResult(bool Matches, bool ProfileKnown, IReadOnlyList<ConditionClause> Clauses);

internal sealed record AudienceMember(Guid ProfileId, string? UserId);

internal sealed record AudienceMembersPage(IReadOnlyList<AudienceMember> Data, long Total, Guid? Next);

/// <summary>
/// Audiences' API (<c>http://audiences</c>, admin key): the condition language belongs to Audiences, so a split's
/// condition is checked and evaluated there, on Audiences' copy of the profile (traits, computed traits, memberships,
/// events); and an audience's current members are read from it to enrol them.
/// </summary>
internal sealed class AudiencesClient(HttpClient http)
{
    /// <summary>Throws <see cref="HttpRequestException"/> when Audiences cannot answer (the step is retried).</summary>
    public async Task<ConditionResult> EvaluateAsync(Guid profileId, JsonElement condition, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("api/audiences/conditions/evaluate", new { profileId, condition }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<ConditionResult>(JsonSerializerOptions.Web, cancellationToken)
            ?? throw new HttpRequestException("Audiences answered without a result.");
    }

    /// <summary>The condition's problems, keyed by JSON path (<c>$.condition.and[1]</c>); empty when it is valid.</summary>
    public async Task<IReadOnlyDictionary<string, string[]>> CheckAsync(JsonElement condition, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("api/audiences/conditions/validate", new { condition }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
                ? errors.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.EnumerateArray().Select(m => m.GetString() ?? "").ToArray())
                : new Dictionary<string, string[]> { ["$.condition"] = ["Audiences refused the condition."] };
        }
        response.EnsureSuccessStatusCode();
        return new Dictionary<string, string[]>();
    }

    /// <summary>A page of an audience's current members, by profile id; null when Audiences has no such audience.</summary>
    public async Task<AudienceMembersPage?> MembersAsync(string audienceKey, Guid? after, int limit, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"api/audiences/{Uri.EscapeDataString(audienceKey)}/members?limit={limit}{(after is { } a ? $"&after={a}" : "")}",
            cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<AudienceMembersPage>(JsonSerializerOptions.Web, cancellationToken);
    }
}
