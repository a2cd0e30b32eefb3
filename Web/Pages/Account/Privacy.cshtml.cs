using System.Text.Json;
using Alle.Web.Authentication;
using Alle.Web.Services.Profiles;
using Alle.Web.Tracking;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Account;

/// <summary>
/// Her data export (Profiles, with her member token) and account deletion: after explicit confirmation, a
/// SUPPRESS_WITH_DELETE regulation on her own user id (every service deletes what it holds; later events are dropped),
/// then she is signed out and the browser gets a new anonymous id.
/// </summary>
public sealed class PrivacyModel(ProfilesService profiles, ProfilesAdminService regulations, MemberSession session, MemberTokenProvider tokens,
    PortalTracking tracking, ILogger<PrivacyModel> logger) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnGetDownloadAsync(CancellationToken cancellationToken)
    {
        var export = await profiles.ExportMineAsync(cancellationToken);
        tracking.Track(HttpContext, "Data Export Requested");
        var document = export ?? JsonSerializer.SerializeToElement(new { userId = session.RequireMemberId(), note = "No profile data is held yet." });
        return File(JsonSerializer.SerializeToUtf8Bytes(document, new JsonSerializerOptions { WriteIndented = true }), "application/json", "alle-my-data.json");
    }

    public async Task<IActionResult> OnPostDeleteAsync(bool understood, string? confirmation, CancellationToken cancellationToken)
    {
        if (!understood || !string.Equals(confirmation?.Trim(), "DELETE", StringComparison.Ordinal))
        {
            ModelState.AddModelError(string.Empty, "To delete your account, tick the box and type DELETE.");
            return Page();
        }
        var memberId = session.RequireMemberId();
        var regulationId = await regulations.DeleteAndSuppressAsync(memberId, cancellationToken);
        logger.LogInformation("Member {MemberId} asked to delete her account: regulation {RegulationId}", memberId, regulationId);

        tokens.Forget(memberId);
        await HttpContext.SignOutAsync(PortalAuthentication.Scheme);
        AnonymousId.Reset(HttpContext);
        TempData["Notice"] = "Your account is being deleted. Thank you for having been a member.";
        return LocalRedirect("/");
    }
}
