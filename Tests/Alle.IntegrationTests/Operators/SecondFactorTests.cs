using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Alle.IntegrationTests.Operators;

/// <summary>
/// The optional second factor through Web's own pages: an operator proves her phone with a code texted through
/// Messaging (read from the Twilio sandbox's inbox), turns the factor on, and signs in with her password and then a
/// texted code; wrong codes are explained and count towards the lockout; an owner resets it; every step is audited and
/// no audit row holds her phone.
/// </summary>
[Collection(StackCollection.Name)]
public sealed partial class SecondFactorTests(DistributedAppFixture app)
{
    private const string Password = "two factors are better";

    [Fact]
    public async Task An_operator_proves_her_phone_turns_the_second_factor_on_and_then_signs_in_with_a_texted_code()
    {
        var (email, id) = await CreateOperatorAsync("marketer");
        var phone = TestPhones.New();
        var masked = $"•••• {phone[^4..]}";
        var sandbox = app.CreateClient("twilio-sandbox");

        using (var console = new ConsoleForms(app))
        {
            await SignInWithPasswordAsync(console, email, expectedNext: "/console");
            using var sent = await console.PostAsync("/console/account", "SendCode", new() { ["Phone"] = phone });
            Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
            var code = await NewestCodeAsync(sandbox, phone, texts: 1);
            using var wrong = await console.PostAsync("/console/account", "ProvePhone", new() { ["Code"] = OtherThan(code) });
            Assert.Contains("That code is not right", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using var proven = await console.PostAsync("/console/account", "ProvePhone", new() { ["Code"] = code });
            Assert.Equal(HttpStatusCode.Redirect, proven.StatusCode);
            using var on = await console.PostAsync("/console/account", "SecondFactor", new() { ["on"] = "true" });
            Assert.Equal(HttpStatusCode.Redirect, on.StatusCode);
            var account = WebUtility.HtmlDecode(await console.GetStringAsync("/console/account"));
            Assert.Contains(masked, account, StringComparison.Ordinal);
            Assert.DoesNotContain(phone[2..], account, StringComparison.Ordinal);
        }
        var listed = (await app.AdminGateway.GetFromJsonAsync<JsonElement>("/api/console/operators")).EnumerateArray().Single(o => o.GetProperty("email").GetString() == email);
        Assert.True(listed.GetProperty("secondFactor").GetBoolean());
        Assert.Equal(masked, listed.GetProperty("phone").GetString());

        using (var console = new ConsoleForms(app))
        {
            await SignInWithPasswordAsync(console, email, expectedNext: "/console/sign-in/code");
            Assert.Contains(masked, WebUtility.HtmlDecode(await console.GetStringAsync("/console/sign-in/code")), StringComparison.Ordinal);
            using var notYet = await console.GetAsync("/console");
            Assert.Equal(HttpStatusCode.Redirect, notYet.StatusCode);
            Assert.Contains("/console/sign-in", notYet.Headers.Location!.ToString(), StringComparison.Ordinal);

            var first = await NewestCodeAsync(sandbox, phone, texts: 2);
            using var wrong = await console.PostAsync("/console/sign-in/code", new() { ["Code"] = OtherThan(first) });
            Assert.Contains("That code is not right", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using var resent = await console.PostAsync("/console/sign-in/code", "Resend", new());
            Assert.Equal(HttpStatusCode.Redirect, resent.StatusCode);
            var second = await NewestCodeAsync(sandbox, phone, texts: 3);
            using var signedIn = await console.PostAsync("/console/sign-in/code", new() { ["Code"] = second });
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            Assert.Equal("/console", signedIn.Headers.Location!.ToString());
            using var inside = await console.GetAsync("/console");
            Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
        }

        // An owner resets it (she lost her phone): the password alone signs her in again.
        using var reset = await app.AdminGateway.DeleteAsync($"/api/console/operators/{id}/second-factor");
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        using (var console = new ConsoleForms(app))
        {
            await SignInWithPasswordAsync(console, email, expectedNext: "/console");
        }

        var audit = (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/console/audit?q={id}&limit=100")).EnumerateArray()
            .Concat((await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/console/audit?actor={Uri.EscapeDataString(email)}&limit=100")).EnumerateArray())
            .DistinctBy(entry => entry.GetProperty("id").GetInt64()).ToList();
        var actions = audit.Select(entry => entry.GetProperty("action").GetString()).ToList();
        Assert.Contains("prove operator phone", actions);
        Assert.Contains("turn on second factor", actions);
        Assert.Contains("sign-in: password accepted, code required", actions);
        Assert.Contains("sign-in failed: wrong code", actions);
        Assert.Contains("sign-in with code", actions);
        Assert.Contains("reset second factor", actions);
        Assert.Equal(2, actions.Count(action => action == "sign-in"));
        Assert.DoesNotContain(audit, entry => entry.GetRawText().Contains(phone[2..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wrong_codes_count_towards_the_lockout_of_the_password()
    {
        var (email, id) = await CreateOperatorAsync("analyst");
        await using (var connection = new Npgsql.NpgsqlConnection(app.ConnectionString("operatorsdb")))
        {
            // A phone proven earlier (proving one is the test above).
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("UPDATE operators SET phone = $1, second_factor = true WHERE id = $2", connection)
            {
                Parameters = { new() { Value = TestPhones.New() }, new() { Value = id } },
            };
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        using var console = new ConsoleForms(app);
        await SignInWithPasswordAsync(console, email, expectedNext: "/console/sign-in/code");
        for (var attempt = 1; attempt < 5; attempt++)
        {
            using var wrong = await console.PostAsync("/console/sign-in/code", new() { ["Code"] = "000000" });
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }
        using var locked = await console.PostAsync("/console/sign-in/code", new() { ["Code"] = "000000" });
        Assert.Equal(HttpStatusCode.Redirect, locked.StatusCode);
        Assert.Contains("locked until", await console.GetStringAsync("/console/sign-in"), StringComparison.Ordinal);
        using var passwordLocked = await console.PostAsync("/console/sign-in", new() { ["email"] = email, ["password"] = Password });
        Assert.Contains("locked until", await passwordLocked.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var actions = (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/console/audit?actor={Uri.EscapeDataString(email)}&limit=50")).EnumerateArray()
            .Select(entry => entry.GetProperty("action").GetString()).ToList();
        Assert.Equal(1, actions.Count(action => action!.EndsWith(": locked", StringComparison.Ordinal) && action.StartsWith("sign-in failed: ", StringComparison.Ordinal)));
        Assert.Equal(4, actions.Count(action => action is "sign-in failed: wrong code" or "sign-in failed: too many wrong codes"));
        Assert.Contains("sign-in refused: locked", actions);
    }

    private async Task<(string Email, Guid Id)> CreateOperatorAsync(string role)
    {
        var email = $"second.factor.{Guid.NewGuid():N}@example.com";
        using var created = await app.AdminGateway.PostAsJsonAsync("/api/console/operators", new { email, role, password = Password });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (email, (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
    }

    private static async Task SignInWithPasswordAsync(ConsoleForms console, string email, string expectedNext)
    {
        using var response = await console.PostAsync("/console/sign-in", new() { ["email"] = email, ["password"] = Password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(expectedNext, response.Headers.Location!.ToString());
    }

    /// <summary>The code in the newest text once the phone has received <paramref name="texts"/> texts.</summary>
    private static Task<string> NewestCodeAsync(HttpClient sandbox, string phone, int texts) => Eventually.GetAsync(async () =>
    {
        var bodies = (await sandbox.GetFromJsonAsync<JsonElement>($"/api/inbox/{Uri.EscapeDataString(phone)}")).GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("to").GetString() == phone).Select(m => m.GetProperty("body").GetString()!).ToList();
        return bodies.Count >= texts ? SixDigits().Match(bodies[0]).Value : null;
    }, TimeSpan.FromSeconds(30), $"text number {texts} to the operator's phone");

    private static string OtherThan(string code) => code == "000000" ? "111111" : "000000";

    [GeneratedRegex(@"\b\d{6}\b")]
    private static partial Regex SixDigits();
}
