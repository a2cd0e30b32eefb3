using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Operators;

/// <summary>
/// The audit log is append-only, so a deletion request cannot erase it: it must never have named the person. Changes
/// that name a member in their path (her points, her number's consent) and in their bodies (her enrolment, the deletion
/// request itself) leave rows with her id and phone replaced by •••.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class AuditDeletionTests(DistributedAppFixture app)
{
    private static readonly string[] s_databases = ["operatorsdb", "ingestiondb", "profilesdb", "audiencesdb", "messagingdb", "loyaltydb", "destinationsdb"];

    [Fact]
    public async Task After_a_members_deletion_no_audit_row_in_any_service_names_her()
    {
        var phone = TestPhones.New();
        using var enrolled = await app.AdminGateway.PostAsJsonAsync("/api/loyalty/members", new
        {
            phone, firstName = "Audit", lastName = "Forgotten", marketingConsent = true, source = "portal", consentWording = "Yes, text me offers. Reply STOP to cancel.",
        });
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        var memberId = (await enrolled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("memberId").GetString()!;
        using (var adjusted = await app.AdminGateway.PostAsJsonAsync($"/api/loyalty/members/{memberId}/adjustments",
            new { adjustmentId = $"audit-{Guid.NewGuid():N}", points = 50, reason = "Goodwill" }))
        {
            Assert.True(adjusted.IsSuccessStatusCode, $"adjustment: {adjusted.StatusCode}");
        }
        using (var consent = await app.AdminGateway.PutAsJsonAsync($"/api/messaging/consent/{Uri.EscapeDataString(phone)}",
            new { category = "marketing", subscribed = true, source = "audit test", evidence = "Said yes at the desk" }))
        {
            Assert.True(consent.IsSuccessStatusCode, $"consent: {consent.StatusCode}");
        }

        using var regulated = await app.AdminGateway.PostAsJsonAsync("/api/profiles/regulations",
            new { regulationType = "SUPPRESS_WITH_DELETE", subjectType = "USER_ID", subjectIds = new[] { memberId } });
        Assert.Equal(HttpStatusCode.OK, regulated.StatusCode);
        var regulationId = (await regulated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("regulateId").GetString()!;
        await Eventually.TrueAsync(async () => (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/profiles/regulations/{regulationId}"))
            .GetProperty("data").GetProperty("regulation").GetProperty("overallStatus").GetString() == "FINISHED", TimeSpan.FromSeconds(90), "every service to confirm the deletion");

        // The changes were audited — under paths that no longer say whose they were.
        var loyalty = await AuditRowsAsync("loyaltydb", "/api/loyalty/members/•••/adjustments");
        Assert.NotEmpty(loyalty);
        Assert.NotEmpty(await AuditRowsAsync("messagingdb", "/api/messaging/consent/•••"));
        foreach (var database in s_databases)
        {
            var naming = await AuditRowsAsync(database, memberId, phone, phone[1..], phone[^7..]);
            Assert.True(naming.Count == 0, $"{database}'s audit log names her: {string.Join(" | ", naming)}");
        }
    }

    /// <summary>Audit rows of a database holding any of the texts anywhere.</summary>
    private async Task<List<string>> AuditRowsAsync(string database, params string[] texts)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(app.ConnectionString(database));
        await using var command = dataSource.CreateCommand("""
            SELECT a::text FROM audit_log a WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) t WHERE strpos(a::text, t) > 0)
            """);
        command.Parameters.AddWithValue(texts);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }
}
