using System.Text.Json;
using Alle.Web.Services;
using Alle.Web.Services.Audiences;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

public sealed class ComputedTraitsModel(AudiencesAdminService audiences) : PageModel
{
    public static readonly string[] Kinds = ["counter", "aggregation", "mostFrequent", "first", "last", "distinct"];

    [BindProperty]
    public TraitInput Input { get; set; } = new();

    public IReadOnlyList<ComputedTrait> Traits { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Traits = await audiences.ListComputedTraitsAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Input.Key) || string.IsNullOrWhiteSpace(Input.Name) || string.IsNullOrWhiteSpace(Input.Event) || !Kinds.Contains(Input.Kind))
        {
            ModelState.AddModelError(string.Empty, "A computed trait has a key, a name, a kind and an event.");
        }
        else
        {
            try
            {
                var created = await audiences.CreateComputedTraitAsync(Input.Key.Trim(), Input.Name.Trim(), null, Input.ToDefinition(), cancellationToken);
                TempData["Notice"] = $"Computed trait {created.Key} created; existing profiles are being backfilled.";
                return RedirectToPage();
            }
            catch (ServiceProblem problem) when ((int)problem.Status is 400 or 409)
            {
                ModelState.AddModelError(string.Empty, problem.Describe());
            }
        }
        await OnGetAsync(cancellationToken);
        return Page();
    }

    public sealed class TraitInput
    {
        public string? Key { get; set; }

        public string? Name { get; set; }

        public string Kind { get; set; } = "counter";

        public string? Event { get; set; }

        public string? Property { get; set; }

        public string? Aggregation { get; set; }

        public string? Within { get; set; }

        public JsonElement ToDefinition()
        {
            var definition = new Dictionary<string, object?> { ["kind"] = Kind, ["event"] = Event?.Trim() };
            if (!string.IsNullOrWhiteSpace(Property)) { definition["property"] = Property.Trim(); }
            if (!string.IsNullOrWhiteSpace(Aggregation)) { definition["function"] = Aggregation; }
            if (!string.IsNullOrWhiteSpace(Within)) { definition["within"] = Within.Trim(); }
            return JsonSerializer.SerializeToElement(definition);
        }
    }
}
