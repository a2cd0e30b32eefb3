using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// Sign-in tells the truth and keeps codes secret: after a sign-in no API, console page, export, trace or log shows
/// the code; a member whose texts are stopped sees so (preferences too), is told where to text START, and the page
/// notices when she has; a landline is told it cannot receive a code.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SignInTruthBrowserTests(DistributedAppFixture app, Chromium chromium) : IClassFixture<Chromium>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task No_page_or_API_shows_a_sign_in_code_and_after_STOP_sign_in_says_so_until_she_texts_START()
    {
        var sandbox = app.CreateClient("twilio-sandbox");
        var phone = TestPhones.New();
        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();

        // Sign in (join) with the code from her phone.
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("Mobile number").FillAsync(phone);
        await page.GetByRole(AriaRole.Button, new() { Name = "Text me a code" }).ClickAsync();
        var code = await PortalSignIn.ReadCodeAsync(sandbox, phone);
        var text = (await PortalSignIn.TextsToAsync(sandbox, phone))[0];
        Assert.StartsWith("Your Alle verification code is ", text, StringComparison.Ordinal);
        await page.GetByLabel("Code").FillAsync(code);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByLabel("First name").FillAsync("Rosa");
        await page.GetByLabel("Last name").FillAsync("Diaz");
        await page.GetByRole(AriaRole.Button, new() { Name = "Join" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/home$"));
        var memberId = (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/lookup?phone={Uri.EscapeDataString(phone)}"))
            .GetProperty("memberId").GetString()!;

        // The message log keeps the text masked, costed as sent (smart-encoded: one GSM-7 segment).
        var messages = (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}")).GetProperty("data");
        var verification = Assert.Single(messages.EnumerateArray(), m => m.GetProperty("purpose").GetString() == "verification");
        Assert.Equal("Your Alle verification code is ••••••. It expires in 10 minutes. Never share it.", verification.GetProperty("body").GetString());
        Assert.Equal("GSM-7", verification.GetProperty("encoding").GetString());
        Assert.Equal(1, verification.GetProperty("segments").GetInt32());

        // Every API and page that lists messages, her data export, and the telemetry: no code anywhere.
        var seen = new List<(string Where, string Content)>
        {
            ("messages by phone", messages.GetRawText()),
            ("messages by member", await app.AdminGateway.GetStringAsync($"/api/messaging/messages?userId={memberId}")),
            ("message log", await app.AdminGateway.GetStringAsync("/api/messaging/messages?limit=500")),
            ("one message", await app.AdminGateway.GetStringAsync($"/api/messaging/messages/{verification.GetProperty("id").GetString()}")),
            ("messaging export", await app.AdminGateway.GetStringAsync($"/api/messaging/members/{memberId}/export")),
        };
        await page.GotoAsync("/privacy");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download my data" }).ClickAsync());
        seen.Add(("download my data", await File.ReadAllTextAsync((await download.PathAsync())!)));
        await page.GotoAsync("/privacy/summary");
        seen.Add(("data summary page", await page.ContentAsync()));

        await using var console = await chromium.NewContextAsync(app);
        var operatorPage = await console.NewPageAsync();
        await operatorPage.GotoAsync("/console/messages");
        await operatorPage.GetByLabel("Admin key").FillAsync(app.AdminKey);
        await operatorPage.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(operatorPage.GetByTestId("messages")).ToContainTextAsync("••••••");
        seen.Add(("console message log", await operatorPage.ContentAsync()));
        await Chromium.ScreenshotAsync(operatorPage, "33-console-messages-masked-code");
        await operatorPage.GotoAsync($"/console/profiles?by=phone&value={Uri.EscapeDataString(phone)}");
        seen.Add(("console profile explorer", await operatorPage.ContentAsync()));
        await operatorPage.GotoAsync($"/console/messages?phone={Uri.EscapeDataString(phone)}");
        seen.Add(("console messages of her phone", await operatorPage.ContentAsync()));

        using var dashboard = app.CreateDashboardClient();
        seen.Add(("traces", await dashboard.GetStringAsync("/api/telemetry/traces?limit=2000")));
        seen.Add(("logs", await dashboard.GetStringAsync("/api/telemetry/logs?limit=10000")));
        Assert.All(seen, s => SecretCode.AssertHidden(code, s.Content, s.Where));

        // She texts STOP: her preferences show one state — stopped — and what to do.
        await ReplyAsync(sandbox, phone, "STOP");
        await page.GotoAsync("/preferences");
        await Assertions.Expect(page.GetByTestId("texts-stopped")).ToContainTextAsync("are stopped");
        await Assertions.Expect(page.GetByTestId("texts-stopped")).ToContainTextAsync("(500) 555-0006");
        await Assertions.Expect(page.GetByTestId("marketing-toggle")).ToHaveCountAsync(0);
        Assert.DoesNotContain("You will receive offers by text", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await Accessibility.CheckAsync(page, "17-portal-preferences-stopped");

        // Signing in again: the truth, the number to text START to; the page notices her START and lets her continue.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        var textsBefore = (await PortalSignIn.TextsToAsync(sandbox, phone)).Count;
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("Mobile number").FillAsync(phone);
        await page.GetByRole(AriaRole.Button, new() { Name = "Text me a code" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/sign-in/texts-stopped$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Texts to your number are stopped");
        await Assertions.Expect(page.GetByTestId("program-number")).ToHaveTextAsync("(500) 555-0006");
        Assert.DoesNotContain("We texted", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await Accessibility.CheckAsync(page, "18-portal-sign-in-texts-stopped");
        Assert.Equal(textsBefore, (await PortalSignIn.TextsToAsync(sandbox, phone)).Count);

        await ReplyAsync(sandbox, phone, "START");
        await Assertions.Expect(page.GetByTestId("start-status")).ToHaveTextAsync("Texts are back on. You can continue: we will text you a code.", new() { Timeout = 30_000 });
        await Chromium.ScreenshotAsync(page, "19-portal-sign-in-start-noticed");
        var startReplies = (await PortalSignIn.TextsToAsync(sandbox, phone)).Count;
        await page.GetByTestId("continue").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/sign-in/code$"));
        await page.GetByLabel("Code").FillAsync(await PortalSignIn.ReadCodeAsync(sandbox, phone, startReplies));
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/home$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Hi Rosa" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_landline_is_told_it_cannot_receive_a_code()
    {
        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();

        // Twilio's magic number for a number that is not a mobile (error 21614).
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("Mobile number").FillAsync("+15005550009");
        await page.GetByRole(AriaRole.Button, new() { Name = "Text me a code" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("undeliverable")).ToContainTextAsync("is not a mobile number", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("We cannot text this number");
        await Assertions.Expect(page.GetByLabel("Code")).ToHaveCountAsync(0);
        await Accessibility.CheckAsync(page, "20-portal-sign-in-landline");

        // And a number the carrier cannot reach (21612).
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("Mobile number").FillAsync("+15005550002");
        await page.GetByRole(AriaRole.Button, new() { Name = "Text me a code" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("undeliverable")).ToContainTextAsync("Texts cannot reach", new() { Timeout = 30_000 });
    }

    private static async Task ReplyAsync(HttpClient sandbox, string phone, string body)
    {
        using var reply = await sandbox.PostAsJsonAsync($"/api/inbox/{Uri.EscapeDataString(phone)}/reply", new { body });
        Assert.True(reply.IsSuccessStatusCode, $"the sandbox took the reply: {(int)reply.StatusCode}");
    }
}
