using Alle.Web.Services;
using Alle.Web.Services.Destinations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console.Destinations;

/// <summary>Destinations: the list, and a new one (its signing secret shown once).</summary>
public sealed class IndexModel(DestinationsAdminService destinations) : PageModel
{
    public IReadOnlyList<Destination> Destinations { get; private set; } = [];

    public (Guid Id, string Name, string Secret)? Created { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Destinations = await destinations.ListAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(string? name, string? type, string? url, string? consentCategories, CancellationToken cancellationToken)
    {
        try
        {
            var created = await destinations.CreateAsync(new
            {
                name,
                type,
                settings = type == "webhook" ? new { url } : null,
                consentCategories = DestinationForm.Categories(consentCategories),
            }, cancellationToken);
            Created = (created.Destination.Id, created.Destination.Name, created.Secret);
        }
        catch (ServiceProblem problem) when ((int)problem.Status is 400 or 409)
        {
            ModelState.AddModelError(string.Empty, problem.Describe());
        }
        await OnGetAsync(cancellationToken);
        return Page();
    }
}
