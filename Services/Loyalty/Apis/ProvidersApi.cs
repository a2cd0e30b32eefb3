using System.Text.RegularExpressions;
using Alle.Loyalty.Authorization;
using Alle.Loyalty.Members;
using Alle.Loyalty.Providers;
using Alle.Platform.Authentication;
using Alle.Platform.Identifiers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Loyalty.Apis;

/// <summary>The provider directory (search by name, or by zip and radius, or both) and the provider desk's member registration and look-up.</summary>
internal static partial class ProvidersApi
{
    public static void MapProvidersApi(this IEndpointRouteBuilder app)
    {
        var directory = app.MapGroup("/api/loyalty/providers").RequireAuthorization(LoyaltyAuthorization.MemberOrAdminPolicy);
        directory.MapGet("/search", Search).WithSummary("Search providers by name or near a zip code");
        directory.MapGet("/{providerId}", GetProvider).WithSummary("One provider");

        var desk = app.MapGroup("/api/loyalty/providers/{providerId}/members").RequireAuthorization(LoyaltyAuthorization.ProviderPolicy);
        desk.MapPost("/", PreRegister).WithSummary("Pre-register a member at a provider's desk");
        desk.MapGet("/", FindMember).WithSummary("Find a member at a provider's desk");
    }

    private static async Task<Results<Ok<SearchResponse>, ProblemHttpResult, ValidationProblem>> Search(HttpContext context, ProviderDirectory directory,
        CancellationToken cancellationToken, string? zip = null, double radiusMiles = 25, string? product = null, string? name = null)
    {
        var named = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        if (named is { Length: > 100 })
        {
            return Problems.Invalid("name", "A name of at most 100 characters.");
        }
        var productKey = string.IsNullOrWhiteSpace(product) ? null : product;
        if (string.IsNullOrEmpty(zip) && named is not null)
        {
            var byName = await directory.ByNameAsync(named, productKey, 50, cancellationToken);
            return TypedResults.Ok(new SearchResponse(null, null, null, null, [.. byName.Select(provider => ProviderResponse.From(provider, null))]));
        }
        if (zip is null || !ZipPattern().IsMatch(zip))
        {
            return Problems.Invalid("zip", "A five-digit US zip code (or a name to search by) is required.");
        }
        if (radiusMiles is < 1 or > 100 || double.IsNaN(radiusMiles))
        {
            return Problems.Invalid("radiusMiles", "A radius between 1 and 100 miles.");
        }
        // A zip the directory lists has its own centre; another one is placed at its state's centre (approximate distances).
        var center = await directory.ZipAsync(zip, cancellationToken);
        var region = center is null ? ZipRegions.Find(zip) : null;
        if (center is null && region is null)
        {
            return Problems.NotFound("Zip code", $"Zip code {zip} is not a US zip code we know.");
        }
        var point = center?.Center ?? region!.Value.Center;
        var matches = await directory.SearchAsync(point, radiusMiles, productKey, named, 50, cancellationToken);
        // Nobody within the radius: the nearest ones, whatever the distance, rather than nothing.
        var nearest = matches.Count == 0;
        if (nearest)
        {
            matches = await directory.NearestAsync(point, productKey, named, 3, cancellationToken);
        }
        if (context.User.MemberId() is { } memberId)
        {
            await directory.RecordSearchAsync(memberId, zip, radiusMiles, product, nearest ? [] : matches, cancellationToken);
        }
        return TypedResults.Ok(new SearchResponse(zip, center?.City, center?.State ?? region!.Value.State, radiusMiles,
            matches.Select(match => ProviderResponse.From(match.Provider, Math.Round(match.DistanceMiles, 1))).ToList(), nearest, center is null));
    }

    private static async Task<Results<Ok<ProviderResponse>, ProblemHttpResult>> GetProvider(string providerId, ProviderDirectory directory, CancellationToken cancellationToken) =>
        await directory.FindAsync(providerId, cancellationToken) is { } provider
            ? TypedResults.Ok(ProviderResponse.From(provider, null))
            : Problems.NotFound("Provider", $"Provider '{providerId}' does not exist.");

    private static async Task<Results<Created<DeskMemberResponse>, Ok<DeskMemberResponse>, ProblemHttpResult, ValidationProblem>> PreRegister(
        string providerId, PreRegistrationRequest request, MemberEnrolment enrolment, ProviderDirectory directory, PhoneNumberNormalizer phones,
        CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var phone = phones.ToE164(request.Phone);
        errors.Require(phone is not null, "phone", "The patient's phone number is required.");
        errors.Require(request.FirstName is null || request.FirstName.Length <= 100, "firstName", "At most 100 characters.");
        errors.Require(request.LastName is null || request.LastName.Length <= 100, "lastName", "At most 100 characters.");
        if (errors.Any)
        {
            return Problems.Invalid(errors.All);
        }
        if (await directory.FindAsync(providerId, cancellationToken) is null)
        {
            return Problems.NotFound("Provider", $"Provider '{providerId}' does not exist.");
        }
        var (created, member) = await enrolment.PreRegisterAsync(providerId, phone!, request.FirstName?.Trim(), request.LastName?.Trim(), cancellationToken);
        var response = DeskMemberResponse.From(member);
        return created ? TypedResults.Created($"/api/loyalty/providers/{providerId}/members?phone={Uri.EscapeDataString(member.Phone)}", response) : TypedResults.Ok(response);
    }

    private static async Task<Results<Ok<DeskMemberResponse>, ProblemHttpResult, ValidationProblem>> FindMember(
        string providerId, string? phone, MemberEnrolment enrolment, PhoneNumberNormalizer phones, CancellationToken cancellationToken)
    {
        if (phones.ToE164(phone) is not { } e164)
        {
            return Problems.Invalid("phone", "The patient's phone number is required.");
        }
        return await enrolment.FindByPhoneAsync(e164, cancellationToken) is { } member
            ? TypedResults.Ok(DeskMemberResponse.From(member))
            : Problems.NotFound("Member", "No member has this phone number.");
    }

    [GeneratedRegex("^[0-9]{5}$")]
    private static partial Regex ZipPattern();
}

internal sealed record ProviderResponse(string ProviderId, string Name, string Address, string City, string State, string Zip, string Phone,
    double Latitude, double Longitude, IReadOnlyList<string> Products, double? DistanceMiles)
{
    public static ProviderResponse From(Provider provider, double? distanceMiles) => new(provider.ProviderId, provider.Name, provider.Address, provider.City,
        provider.State, provider.Zip, provider.Phone, provider.Latitude, provider.Longitude, provider.Products, distanceMiles);
}

/// <param name="Zip">The zip searched near; null for a search by name alone (then by name, without distances).</param>
/// <param name="Nearest">No provider is within the radius: these are the nearest ones, farther away.</param>
/// <param name="Approximate">The zip is not in the directory: distances are from its state's centre.</param>
internal sealed record SearchResponse(string? Zip, string? City, string? State, double? RadiusMiles, IReadOnlyList<ProviderResponse> Providers,
    bool Nearest = false, bool Approximate = false);

internal sealed record PreRegistrationRequest(string? Phone, string? FirstName, string? LastName);

/// <summary>What the provider's desk sees of a member: enough to record a purchase, no contact details beyond what it typed.</summary>
internal sealed record DeskMemberResponse(string MemberId, string Status, string? FirstName, string? LastName, string Tier)
{
    public static DeskMemberResponse From(Member member) => new(member.MemberId, member.Status, member.FirstName, member.LastName, member.Tier);
}
