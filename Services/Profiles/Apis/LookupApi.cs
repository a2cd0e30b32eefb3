using Alle.Platform.Authorization;
using System.Text.Json;
using Alle.Contracts;
using Alle.Platform.Authentication;
using Alle.Profiles.Identity;
using Alle.Profiles.Privacy;
using Alle.Profiles.Reading;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Profiles.Apis;

/// <summary>
/// Internal look-ups for the other services (<c>GET /api/profiles/lookup</c>) and the personal data export, for
/// operators (admin key) and for a signed-in member about herself (member token).
/// </summary>
internal static class LookupApi
{
    public static void MapLookupApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/profiles").RequirePermission(Permissions.MembersWrite).WithTags("Look-up");
        admin.MapGet("/lookup", Lookup).WithSummary("Find profiles by an identifier");
        admin.MapGet("/export", Export).WithSummary("Everything Profiles holds about a person (access request)");
        app.MapGet("/api/profiles/me/export", ExportMine).WithSummary("The signed-in member's profile data").RequireAuthorization(MemberTokens.Policy).WithTags("Look-up");
    }

    private static async Task<Results<Ok<LookupResponse>, ProblemHttpResult, ValidationProblem>> Lookup(
        ProfileDirectory directory, IdentifierNormalizer normalizer, CancellationToken cancellationToken,
        string? userId = null, string? phone = null, string? email = null)
    {
        if (ReadSubject(normalizer, userId, phone, email) is not { } identifier)
        {
            return Invalid();
        }
        if (await directory.FindAsync(identifier, cancellationToken) is not { } profile)
        {
            return NotFound();
        }
        return TypedResults.Ok(new LookupResponse(profile.ProfileId, profile.UserId,
            profile.Traits.ToDictionary(t => t.Key, t => t.Value.Value, StringComparer.Ordinal),
            [.. profile.Identities.Select(i => new Identifier(i.Type, i.Value))]));
    }

    private static async Task<Results<Ok<ProfileExport>, ProblemHttpResult, ValidationProblem>> Export(
        ProfileStore store, ProfileExporter exporter, IdentifierNormalizer normalizer, CancellationToken cancellationToken,
        string? userId = null, string? phone = null, string? email = null)
    {
        if (ReadSubject(normalizer, userId, phone, email) is not { } identifier)
        {
            return Invalid();
        }
        return await ExportAsync(identifier, store, exporter, cancellationToken);
    }

    private static async Task<Results<Ok<ProfileExport>, ProblemHttpResult, ValidationProblem>> ExportMine(
        HttpContext context, ProfileStore store, ProfileExporter exporter, CancellationToken cancellationToken) =>
        await ExportAsync(new Identifier(IdentifierTypes.UserId, context.User.MemberId()!), store, exporter, cancellationToken);

    private static async Task<Results<Ok<ProfileExport>, ProblemHttpResult, ValidationProblem>> ExportAsync(
        Identifier identifier, ProfileStore store, ProfileExporter exporter, CancellationToken cancellationToken)
    {
        if (await store.FindProfileIdAsync(identifier, cancellationToken) is not { } profileId
            || await exporter.ExportAsync(profileId, cancellationToken) is not { } export)
        {
            return NotFound();
        }
        return TypedResults.Ok(export);
    }

    /// <summary>Exactly one of userId, phone (any format libphonenumber reads) or email.</summary>
    private static Identifier? ReadSubject(IdentifierNormalizer normalizer, string? userId, string? phone, string? email)
    {
        var given = new[] { (IdentifierTypes.UserId, userId), (IdentifierTypes.Phone, phone), (IdentifierTypes.Email, email) }
            .Where(p => !string.IsNullOrWhiteSpace(p.Item2))
            .ToList();
        return given.Count == 1 ? normalizer.Normalize(given[0].Item1, given[0].Item2) : null;
    }

    private static ValidationProblem Invalid() => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { ["subject"] = ["Give exactly one of userId, phone (E.164 or a number of the default region) or email."] });

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: 404, title: "Profile was not found.");

    internal sealed record LookupResponse(Guid ProfileId, string? UserId, IReadOnlyDictionary<string, JsonElement> Traits, IReadOnlyList<Identifier> Identifiers);
}
