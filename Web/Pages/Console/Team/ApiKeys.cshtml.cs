using Alle.Platform.Authorization;
using Alle.Web.Authentication;
using Alle.Web.Operators;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console.Team;

/// <summary>Named, scoped API keys: the key is shown once, right after it is created; later only its last four characters.</summary>
public sealed class ApiKeysModel(ApiKeys keys) : PageModel
{
    public IReadOnlyList<ApiKeyInfo> Keys { get; private set; } = [];

    public string? CreatedKey { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Keys = await keys.ListAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(string? name, string[]? scopes, CancellationToken cancellationToken)
    {
        var permissions = ApiKeys.ReadScopes(scopes ?? []);
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            ModelState.AddModelError("name", "Name the key (at most 100 characters).");
        }
        if (permissions is null)
        {
            ModelState.AddModelError("scopes", "Choose at least one permission.");
        }
        if (ModelState.IsValid)
        {
            var (_, key) = await keys.CreateAsync(User.ConsoleActor()!, name!.Trim(), permissions!, cancellationToken);
            // Shown in this answer only (not redirected, not kept): the key exists nowhere else but its hash.
            CreatedKey = key;
        }
        await OnGetAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        TempData["Notice"] = await keys.RevokeAsync(User.ConsoleActor()!, id, cancellationToken) ? "Key revoked: it no longer works." : "That key was revoked already.";
        return RedirectToPage();
    }

    public static IReadOnlyList<string> Choices => Permissions.All;
}
