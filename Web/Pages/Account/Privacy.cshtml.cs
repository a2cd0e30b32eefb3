using System.Text.Json;
using Alle.Web.Authentication;
using Alle.Web.Privacy;
using Alle.Web.Services.Profiles;
using Alle.Web.Tracking;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Account;

/// <summary>
/// Her data export (every service's part, see <see cref="DataExport"/>: a JSON file, or a readable summary page) and
/// account deletion: after explicit confirmation, a
/// SUPPRESS_WITH_DELETE regulation on her own user id (every service deletes what it holds; later events are dropped),
/// then she is signed out and the browser gets a new anonymous id.
/// </summary>
public sealed class PrivacyModel(DataExport export, ProfilesAdminService regulations, MemberSession session, MemberTokenProvider tokens,
    PortalTracking tracking, ILogger<PrivacyModel> logger) : PageModel
{
    internal static readonly JsonSerializerOptions ExportJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnGetDownloadAsync(CancellationToken cancellationToken)
    {
        var document = await export.AssembleAsync(cancellationToken);
        tracking.Track(HttpContext, "Data Export Requested", new { format = "json" });
        return File(JsonSerializer.SerializeToUtf8Bytes(document, ExportJson), "application/json", "alle-my-data.json");
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
