using Alle.Platform.Authentication;
using Alle.Web.Authentication;
using Alle.Web.Extensions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Alle.Web.Pages.Console;

/// <summary>Operators sign in with the admin key; the console's cookie is its own, separate from members'.</summary>
[EnableRateLimiting(ApplicationServiceExtensions.SignInRateLimit)]
public sealed class SignInModel(IConfiguration configuration, ILogger<SignInModel> logger) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? adminKey)
    {
        if (!AdminKeyAuthentication.KeysMatch(adminKey, configuration[AdminKeyAuthentication.ConfigurationKey]!))
        {
            logger.LogWarning("Console sign-in refused: wrong admin key");
            ModelState.AddModelError(string.Empty, "That key is not right.");
            return Page();
        }
        await HttpContext.SignInOperatorAsync();
        return LocalRedirect(ReturnUrl is { } url && url.StartsWith("/console", StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal) ? url : "/console");
    }
}
