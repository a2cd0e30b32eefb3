using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Platform.Identifiers;

namespace Alle.IntegrationTests.Operators;

/// <summary>What each role may change is changed (2xx); analysts read phones and e-mails masked, others in full.</summary>
[Collection(StackCollection.Name)]
public sealed class RoleTests(DistributedAppFixture app)
{
    [Fact]
    public async Task A_developer_changes_sources_and_a_marketer_changes_audiences_offers_and_messages()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        using var developer = OperatorsClient.WithKey(app, await OperatorsClient.CreateApiKeyAsync(app, $"developer {tag}", "developer"));
        using var marketer = OperatorsClient.WithKey(app, await OperatorsClient.CreateApiKeyAsync(app, $"marketer {tag}", "marketer"));

        using var source = await developer.PostAsJsonAsync("/api/ingestion/sources", new { name = $"Roles {tag}", id = $"roles-{tag}" });
        Assert.Equal(HttpStatusCode.Created, source.StatusCode);
        using var plan = await developer.PutAsJsonAsync($"/api/ingestion/sources/roles-{tag}/tracking-plan",
            new { events = Array.Empty<object>(), unplannedEvents = "allow", violations = "allow" });
        Assert.Equal(HttpStatusCode.OK, plan.StatusCode);

        using var audience = await marketer.PostAsJsonAsync("/api/audiences", new
        {
            key = $"roles_{tag}", name = $"Roles {tag}", condition = new { trait = "roles_tag", @operator = "equals", value = tag },
        });
        Assert.Equal(HttpStatusCode.Created, audience.StatusCode);
        using var offer = await marketer.PostAsJsonAsync("/api/loyalty/offers", new
        {
            title = $"Roles {tag}", value = 10, audienceKey = $"roles_nobody_{tag}", startsAt = "2030-01-01T00:00:00Z", endsAt = "2030-02-01T00:00:00Z",
        });
        Assert.Equal(HttpStatusCode.Created, offer.StatusCode);
        using var preview = await marketer.PostAsJsonAsync("/api/messaging/templates/preview", new { template = "Hi {{ traits.firstName }}" });
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);

        // And not each other's work: the marketer may not touch sources, the developer not audiences.
        using var notMarketers = await marketer.PostAsJsonAsync($"/api/ingestion/sources/roles-{tag}/rotate-key", new { });
        Assert.Equal(HttpStatusCode.Forbidden, notMarketers.StatusCode);
        Assert.Contains("sources:write", (await notMarketers.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var notDevelopers = await developer.DeleteAsync($"/api/audiences/roles_{tag}");
        Assert.Equal(HttpStatusCode.Forbidden, notDevelopers.StatusCode);
        using var stillThere = await app.AdminGateway.GetAsync($"/api/audiences/roles_{tag}");
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
    }

    [Fact]
    public async Task An_analyst_reads_phones_masked_where_a_marketer_reads_them_in_full()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var phone = TestPhones.New();
        using var set = await app.AdminGateway.PutAsJsonAsync($"/api/messaging/consent/{phone}",
            new { category = "marketing", subscribed = true, source = "roles test", evidence = $"Said yes by e-mail from roles.{tag}@example.com" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        using var analyst = OperatorsClient.WithKey(app, await OperatorsClient.CreateApiKeyAsync(app, $"analyst {tag}", "analyst"));
        using var marketer = OperatorsClient.WithKey(app, await OperatorsClient.CreateApiKeyAsync(app, $"marketer {tag}", "marketer"));

        var masked = await analyst.GetStringAsync($"/api/messaging/consent/{Uri.EscapeDataString(phone)}");
        var full = await marketer.GetStringAsync($"/api/messaging/consent/{Uri.EscapeDataString(phone)}");

        Assert.DoesNotContain(phone[1..], masked, StringComparison.Ordinal);
        Assert.DoesNotContain($"roles.{tag}@example.com", masked, StringComparison.Ordinal);
        Assert.Contains(PhoneNumberMask.Of(phone), JsonDocument.Parse(masked).RootElement.GetRawText().Replace("\\u2022", "•", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains(phone, JsonDocument.Parse(full).RootElement.GetProperty("phone").GetString(), StringComparison.Ordinal);
        Assert.Contains($"roles.{tag}@example.com", full.Replace("\\u002B", "+", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
