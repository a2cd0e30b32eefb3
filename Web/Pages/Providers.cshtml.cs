using System.Text.RegularExpressions;
using Alle.Web.Authentication;
using Alle.Web.Services;
using Alle.Web.Services.Loyalty;
using Alle.Web.Tracking;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages;

/// <summary>
/// Provider search by zip code. A member's search goes with her token, and Loyalty records <c>Provider Searched</c> for
/// her; a visitor's goes with the admin key and the portal tracks the search itself under her anonymous id.
/// </summary>
public sealed partial class ProvidersModel(LoyaltyService memberLoyalty, LoyaltyAdminService loyalty, PortalTracking tracking) : PageModel
{
    public static readonly int[] Radii = [5, 10, 25, 50, 100];

    /// <summary>The directory's product keys and their names.</summary>
    public static readonly IReadOnlyDictionary<string, string> Products = new Dictionary<string, string>
    {
        ["botox-cosmetic"] = "BOTOX Cosmetic",
        ["juvederm"] = "JUVÉDERM",
        ["coolsculpting"] = "CoolSculpting",
        ["diamondglow"] = "DiamondGlow",
        ["harmonyca"] = "HArmonyCa",
        ["kybella"] = "KYBELLA",
        ["latisse"] = "LATISSE",
        ["natrelle"] = "Natrelle",
        ["skinmedica"] = "SkinMedica",
    };

    public static string ProductName(string key) => Products.TryGetValue(key, out var name) ? name : key;

    [BindProperty(SupportsGet = true)]
    public string? Zip { get; set; }

    [BindProperty(SupportsGet = true)]
    public int Radius { get; set; } = 25;

    [BindProperty(SupportsGet = true)]
    public string? Product { get; set; }

    public ProviderSearch? Result { get; private set; }

    public string? Error { get; private set; }

    public bool SignedIn => User.SignedInMemberId() is not null;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (Zip is null)
        {
            return;
        }
        Zip = Zip.Trim();
        if (!ZipPattern().IsMatch(Zip))
        {
            Error = "Enter a five-digit zip code.";
            return;
        }
        if (!Radii.Contains(Radius))
        {
            Radius = 25;
        }
        var product = Product is not null && Products.ContainsKey(Product) ? Product : null;
        try
        {
            Result = SignedIn
                ? await memberLoyalty.SearchProvidersAsync(Zip, Radius, product, cancellationToken)
                : await loyalty.SearchProvidersAsync(Zip, Radius, product, cancellationToken);
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            Error = problem.Describe();
            return;
        }
        if (Result is null)
        {
            Error = $"We have no providers listed around {Zip} yet.";
        }
        if (!SignedIn)
        {
            tracking.Track(HttpContext, "Provider Searched", new
            {
                zip = Zip, radiusMiles = Radius, product, resultCount = Result?.Providers.Count ?? 0,
                providerIds = Result?.Providers.Take(10).Select(p => p.ProviderId) ?? [],
            });
        }
    }

    [GeneratedRegex("^[0-9]{5}$")]
    private static partial Regex ZipPattern();
}

public sealed record ProviderListModel(IReadOnlyList<Provider> Providers, bool CanCheckIn);
