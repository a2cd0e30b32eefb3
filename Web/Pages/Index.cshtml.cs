using Alle.Web.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages;

public sealed class IndexModel : PageModel
{
    public IActionResult OnGet() => User.SignedInMemberId() is null ? Page() : LocalRedirect("/home");
}
