using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// The portal's sign-in and join flow as the browser tests drive it: the phone, the code read from the Twilio
/// sandbox's inbox, the join form.
/// </summary>
internal static partial class PortalSignIn
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Signs a new member in through the portal, declining marketing texts; answers her member id.
    /// </summary>
    public static async Task<string> SignInThroughTheBrowserAsync(DistributedAppFixture app, IPage page, string phone)
    {
        var sandbox = app.CreateClient("twilio-sandbox");
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("Mobile number").FillAsync(phone);
        await page.GetByRole(AriaRole.Button, new() { Name = "Text me a code" }).ClickAsync();
        await page.GetByLabel("Code").FillAsync(await ReadCodeAsync(sandbox, phone));
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByLabel("First name").FillAsync("Ana");
        await page.GetByLabel("Last name").FillAsync("Silva");
        await page.GetByRole(AriaRole.Button, new() { Name = "Join" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/home$"));
        var member = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/lookup?phone={Uri.EscapeDataString(phone)}");
        Assert.False(member.GetProperty("marketingConsent").GetBoolean());
        return member.GetProperty("memberId").GetString()!;
    }

    /// <summary>
    /// The newest sign-in code texted to the phone, waiting for it; <paramref name="textsBefore"/> texts the phone had
    /// already received are not read (so an older code is never taken for a new one).
    /// </summary>
    public static async Task<string> ReadCodeAsync(HttpClient sandbox, string phone, int textsBefore = 0) =>
        await Eventually.GetAsync(async () =>
        {
            var texts = await TextsToAsync(sandbox, phone);
            return texts.Take(texts.Count - textsBefore).Select(body => SixDigits().Match(body)).FirstOrDefault(m => m.Success)?.Value;
        }, s_timeout, "the sign-in code in the sandbox inbox");

    /// <summary>The bodies of the texts the phone received, newest first.</summary>
    public static async Task<IReadOnlyList<string>> TextsToAsync(HttpClient sandbox, string phone) =>
        [.. (await sandbox.GetFromJsonAsync<JsonElement>($"/api/inbox/{Uri.EscapeDataString(phone)}")).GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("to").GetString() == phone)
            .Select(m => m.GetProperty("body").GetString()!)];

    [GeneratedRegex(@"\b(\d{6})\b")]
    private static partial Regex SixDigits();
}
