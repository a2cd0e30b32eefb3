using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Operators;

/// <summary>
/// Operators sign in with e-mail and password and are locked out after five wrong ones; every change through the admin
/// APIs lands in the service's append-only audit log with who, what, before and after; sign-ins and failures too.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SignInAndAuditTests(DistributedAppFixture app)
{
    [Fact]
    public async Task An_operator_signs_in_with_her_password_and_five_wrong_ones_lock_her_out()
    {
        var email = $"lockout.{Guid.NewGuid():N}@example.com";
        const string password = "correct horse battery";
        using var created = await app.AdminGateway.PostAsJsonAsync("/api/console/operators", new { email, role = "marketer", password });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using (var browser = new ConsoleForms(app))
        {
            using var signedIn = await browser.PostAsync("/console/sign-in", new() { ["email"] = email.ToUpperInvariant(), ["password"] = password });
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            using var console = await browser.GetAsync("/console");
            Assert.Equal(HttpStatusCode.OK, console.StatusCode);
            Assert.Contains("(marketer)", await console.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var attacker = new ConsoleForms(app);
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var wrong = await attacker.PostAsync("/console/sign-in", new() { ["email"] = email, ["password"] = $"guess number {attempt}" });
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains(attempt < 5 ? "do not match" : "locked until", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using var rightButLocked = await attacker.PostAsync("/console/sign-in", new() { ["email"] = email, ["password"] = password });
        Assert.Equal(HttpStatusCode.OK, rightButLocked.StatusCode);
        Assert.Contains("locked until", await rightButLocked.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var audit = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/console/audit?actor={Uri.EscapeDataString(email)}&limit=50");
        var actions = audit.EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(1, actions.Count(a => a == "sign-in"));
        Assert.Equal(4, actions.Count(a => a == "sign-in failed"));
        Assert.Equal(1, actions.Count(a => a == "sign-in failed: locked"));
        Assert.Equal(1, actions.Count(a => a == "sign-in refused: locked"));
    }

    [Fact]
    public async Task A_key_shown_once_is_audited_without_the_key()
    {
        using var created = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = $"Audited source {Guid.NewGuid():N}" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var source = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = source.GetProperty("source").GetProperty("id").GetString()!;
        using var rotated = await app.AdminGateway.PostAsync($"/api/ingestion/sources/{id}/rotate-key", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var keys = new[] { source.GetProperty("writeKey").GetString()!, (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("writeKey").GetString()! };

        var log = (await app.AdminGateway.GetFromJsonAsync<JsonElement>("/api/ingestion/audit?limit=50")).EnumerateArray()
            .Where(entry => entry.GetProperty("resource").GetString()!.Contains(id, StringComparison.Ordinal)
                || entry.GetProperty("after").GetString()?.Contains(id, StringComparison.Ordinal) == true)
            .ToList();
        Assert.Equal(2, log.Count);
        Assert.DoesNotContain(log, entry => keys.Any(key => entry.GetRawText().Contains(key, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Changes_through_the_admin_apis_are_audited_with_who_before_and_after_and_the_log_is_append_only()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var keyName = $"audit marketer {tag}";
        using var marketer = OperatorsClient.WithKey(app, await OperatorsClient.CreateApiKeyAsync(app, keyName, "marketer"));
        var condition = new { trait = "audit_tag", @operator = "equals", value = tag };
        using var created = await marketer.PostAsJsonAsync("/api/audiences", new { key = $"audit_{tag}", name = "Before the change", condition });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var changed = await marketer.PutAsJsonAsync($"/api/audiences/audit_{tag}", new { key = $"audit_{tag}", name = "After the change", condition });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        using var refused = await marketer.PostAsJsonAsync("/api/ingestion/sources", new { name = $"Refused {tag}" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        var entries = (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/audiences/audit?actor={Uri.EscapeDataString(keyName)}")).EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        var update = entries[0];
        Assert.Equal("api-key", update.GetProperty("actorKind").GetString());
        Assert.Equal(keyName, update.GetProperty("actorName").GetString());
        Assert.Equal("PUT /api/audiences/{audience}", update.GetProperty("action").GetString());
        Assert.Equal($"/api/audiences/audit_{tag}", update.GetProperty("resource").GetString());
        Assert.Contains("Before the change", update.GetProperty("before").GetString(), StringComparison.Ordinal);
        Assert.Contains("After the change", update.GetProperty("after").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("POST /api/audiences", entries[1].GetProperty("action").GetString(), StringComparison.Ordinal);
        Assert.Equal(201, entries[1].GetProperty("status").GetInt32());
        // The refused change was never made, so it is not an entry of the ingestion service's log.
        Assert.Empty((await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/audit?actor={Uri.EscapeDataString(keyName)}")).EnumerateArray());
        // Only owners read the log.
        using var notAnOwner = await marketer.GetAsync("/api/audiences/audit");
        Assert.Equal(HttpStatusCode.Forbidden, notAnOwner.StatusCode);

        await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString("audiencesdb"));
        await connection.OpenAsync();
        foreach (var sql in new[] { "UPDATE audit_log SET actor_name = 'someone else'", "DELETE FROM audit_log", "TRUNCATE audit_log" })
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
        }
    }
}
