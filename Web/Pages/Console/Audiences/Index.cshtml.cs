using Alle.Web.Services.Audiences;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console.Audiences;

public sealed class IndexModel(AudiencesAdminService audiences) : PageModel
{
    public IReadOnlyList<Audience> Audiences { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Audiences = await audiences.ListAsync(cancellationToken);
}
