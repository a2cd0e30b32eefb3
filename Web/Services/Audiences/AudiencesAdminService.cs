using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.Web.Services.Audiences;

/// <summary>Audiences for the console (admin key): audiences and previews, membership over time, computed traits, reverse-ETL models.</summary>
public sealed class AudiencesAdminService(HttpClient http)
{
    public async Task<IReadOnlyList<Audience>> ListAsync(CancellationToken cancellationToken) =>
        (await http.GetAsync("/api/audiences", cancellationToken).ReadAsync<DataList<Audience>>(cancellationToken)).Data;

    public Task<Audience?> GetAsync(string audience, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/audiences/{ServiceResponses.Escape(audience)}", cancellationToken).ReadOrNullAsync<Audience>(cancellationToken);

    public Task<Audience> CreateAsync(string key, string name, string? description, JsonElement condition, bool knownMembersOnly,
        CancellationToken cancellationToken) =>
        http.PostAsJsonAsync("/api/audiences", new { key, name, description, condition, knownMembersOnly }, cancellationToken).ReadAsync<Audience>(cancellationToken);

    public Task<Audience> UpdateAsync(string audience, string name, string? description, JsonElement condition, bool knownMembersOnly,
        CancellationToken cancellationToken) =>
        http.PutAsJsonAsync($"/api/audiences/{ServiceResponses.Escape(audience)}", new { name, description, condition, knownMembersOnly }, cancellationToken)
            .ReadAsync<Audience>(cancellationToken);

    /// <summary>Deletes the audience; its members exit.</summary>
    public Task DeleteAsync(string audience, CancellationToken cancellationToken) =>
        http.DeleteAsync($"/api/audiences/{ServiceResponses.Escape(audience)}", cancellationToken).SucceedAsync(cancellationToken);

    public async Task<IReadOnlyList<TraitName>> TraitNamesAsync(CancellationToken cancellationToken) =>
        (await http.GetAsync("/api/audiences/trait-names", cancellationToken).ReadAsync<DataList<TraitName>>(cancellationToken)).Data;

    public Task RecomputeAsync(string audience, CancellationToken cancellationToken) =>
        http.PostAsync($"/api/audiences/{ServiceResponses.Escape(audience)}/compute", null, cancellationToken).SucceedAsync(cancellationToken);

    public Task<AudiencePreview> PreviewAsync(JsonElement condition, bool knownMembersOnly, int sampleSize, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync("/api/audiences/preview", new { condition, sampleSize, knownMembersOnly }, cancellationToken).ReadAsync<AudiencePreview>(cancellationToken);

    public Task<MembersPage> MembersAsync(string audience, int limit, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/audiences/{ServiceResponses.Escape(audience)}/members?limit={limit}", cancellationToken).ReadAsync<MembersPage>(cancellationToken);

    public async Task<IReadOnlyList<MembershipChange>> HistoryAsync(string audience, int limit, CancellationToken cancellationToken) =>
        (await http.GetAsync($"/api/audiences/{ServiceResponses.Escape(audience)}/history?limit={limit}", cancellationToken)
            .ReadAsync<DataList<MembershipChange>>(cancellationToken)).Data;

    public async Task<IReadOnlyList<SizePoint>> SizeHistoryAsync(string audience, int days, CancellationToken cancellationToken) =>
        (await http.GetAsync($"/api/audiences/{ServiceResponses.Escape(audience)}/size-history?days={days}", cancellationToken)
            .ReadAsync<DataList<SizePoint>>(cancellationToken)).Data;

    /// <summary>A member's audiences, computed traits and entries and exits, as Audiences answers them (her access request); null when unknown.</summary>
    public async Task<JsonElement?> ExportMemberAsync(string userId, CancellationToken cancellationToken)
    {
        var identifier = ServiceResponses.Escape($"user_id:{userId}");
        using var current = await http.GetAsync($"/api/audiences/profiles/{identifier}", cancellationToken);
        if (current.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        await current.EnsureAcceptedAsync(cancellationToken);
        var history = await http.GetAsync($"/api/audiences/profiles/{identifier}/history", cancellationToken).ReadAsync<JsonElement>(cancellationToken);
        return JsonSerializer.SerializeToElement(new { current = await current.Content.ReadFromJsonAsync<JsonElement>(cancellationToken), history });
    }

    /// <summary>A profile's audiences and computed traits; null when Audiences has not seen the profile.</summary>
    public Task<ProfileAudiences?> ProfileAsync(Guid profileId, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/audiences/profiles/{profileId}", cancellationToken).ReadOrNullAsync<ProfileAudiences>(cancellationToken);

    public async Task<IReadOnlyList<ComputedTrait>> ListComputedTraitsAsync(CancellationToken cancellationToken) =>
        (await http.GetAsync("/api/audiences/computed-traits", cancellationToken).ReadAsync<DataList<ComputedTrait>>(cancellationToken)).Data;

    public Task<ComputedTrait> CreateComputedTraitAsync(string key, string name, string? description, JsonElement definition, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync("/api/audiences/computed-traits", new { key, name, description, definition }, cancellationToken).ReadAsync<ComputedTrait>(cancellationToken);

    public async Task<IReadOnlyList<ComputedValue>> ComputedValuesAsync(string trait, CancellationToken cancellationToken) =>
        (await http.GetAsync($"/api/audiences/computed-traits/{ServiceResponses.Escape(trait)}/values?limit=20", cancellationToken)
            .ReadAsync<DataList<ComputedValue>>(cancellationToken)).Data;

    public async Task<IReadOnlyList<Model>> ListModelsAsync(CancellationToken cancellationToken) =>
        (await http.GetAsync("/api/audiences/models", cancellationToken).ReadAsync<DataList<Model>>(cancellationToken)).Data;

    public Task<Model?> GetModelAsync(string model, CancellationToken cancellationToken) =>
        http.GetAsync($"/api/audiences/models/{ServiceResponses.Escape(model)}", cancellationToken).ReadOrNullAsync<Model>(cancellationToken);

    public Task<Model> CreateModelAsync(object request, CancellationToken cancellationToken) =>
        http.PostAsJsonAsync("/api/audiences/models", request, cancellationToken).ReadAsync<Model>(cancellationToken);

    public Task RunModelAsync(string model, CancellationToken cancellationToken) =>
        http.PostAsync($"/api/audiences/models/{ServiceResponses.Escape(model)}/runs", null, cancellationToken).SucceedAsync(cancellationToken);

    public async Task<IReadOnlyList<ModelRun>> ModelRunsAsync(string model, CancellationToken cancellationToken) =>
        (await http.GetAsync($"/api/audiences/models/{ServiceResponses.Escape(model)}/runs", cancellationToken).ReadAsync<DataList<ModelRun>>(cancellationToken)).Data;

    private sealed record DataList<T>(IReadOnlyList<T> Data);
}

public sealed record Audience(Guid Id, string Key, string Name, string? Description, JsonElement Condition, bool KnownMembersOnly, long Size, string Status,
    DateTimeOffset? ComputedAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record ProfileSample(Guid ProfileId, string? UserId);

/// <summary>How many profiles match; of them, known members and those who can be texted marketing now.</summary>
public sealed record AudiencePreview(long Count, long KnownMembers, long SmsReachable, IReadOnlyList<ProfileSample> Sample, long ElapsedMilliseconds,
    DateTimeOffset EvaluatedAt);

/// <summary>A trait key found on profiles, with the JSON types of its values.</summary>
public sealed record TraitName(string Name, IReadOnlyList<string> Types, long Profiles);

public sealed record AudienceMember(Guid ProfileId, string? UserId, DateTimeOffset EnteredAt);

public sealed record MembersPage(IReadOnlyList<AudienceMember> Data, long Total, Guid? Next);

public sealed record MembershipChange(long Id, Guid AudienceId, string AudienceKey, Guid? ProfileId, string? UserId, string Change, DateTimeOffset At, string Reason);

public sealed record SizePoint(DateOnly Day, long Size, long Entered, long Exited);

public sealed record ProfileMembership(Guid AudienceId, string Key, string Name, DateTimeOffset EnteredAt);

public sealed record ProfileAudiences(Guid ProfileId, string? UserId, IReadOnlyList<ProfileMembership> Audiences, IReadOnlyDictionary<string, JsonElement> ComputedTraits);

public sealed record ComputedTrait(Guid Id, string Key, string Name, string? Description, JsonElement Definition, long Profiles, string Status,
    DateTimeOffset? BackfilledAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record ComputedValue(Guid ProfileId, string? UserId, JsonElement Value, DateTimeOffset UpdatedAt);

public sealed record ModelRun(Guid Id, Guid ModelId, string Trigger, string Status, DateTimeOffset QueuedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    int? Rows, int? Added, int? Updated, int? Removed, int? Failed, long? DurationMs, string? Error, IReadOnlyList<string> Problems);

public sealed record Model(Guid Id, string Key, string Name, string? Description, string Query, string IdentifierColumn, string IdentifierType,
    IReadOnlyDictionary<string, string> TraitColumns, string? Schedule, int TimeoutSeconds, bool Enabled, DateTimeOffset? NextRunAt, long Rows,
    ModelRun? LastRun, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
