using Alle.Web.Authentication;
using Alle.Web.Tracking;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages;

public sealed class SignOutModel(MemberTokenProvider tokens, PortalTracking tracking) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (User.SignedInMemberId() is { } memberId)
        {
            tracking.Track(HttpContext, "Signed Out");
            tokens.Forget(memberId);
        }
        await HttpContext.SignOutAsync(PortalAuthentication.Scheme);
        TempData["Notice"] = "You are signed out.";
        return LocalRedirect("/");
    }
}
