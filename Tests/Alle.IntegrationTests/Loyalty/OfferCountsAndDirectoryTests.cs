using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Loyalty;

/// <summary>What the console's offers page reads: coupons issued and redeemed per offer, and the directory searched by name.</summary>
[Collection(StackCollection.Name)]
public sealed class OfferCountsAndDirectoryTests(DistributedAppFixture app)
{
    private readonly LoyaltyTestClient _loyalty = new(app);

    [Fact]
    public async Task Offers_are_listed_with_their_coupons_issued_and_redeemed_and_their_providers_names()
    {
        var offerId = await _loyalty.CreateOfferAsync(new
        {
            title = $"Counted {Guid.NewGuid():N}", value = 20m, providerIds = new[] { LoyaltyTestClient.Provider },
            endsAt = DateTimeOffset.UtcNow.AddDays(10),
        });
        var untouched = await _loyalty.CreateOfferAsync(new { title = $"Untouched {Guid.NewGuid():N}", value = 5m, endsAt = DateTimeOffset.UtcNow.AddDays(10) });
        var members = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _loyalty.EnrolAsync()));
        var codes = new List<string>();
        foreach (var member in members)
        {
            using var issued = await _loyalty.Admin.PostAsJsonAsync($"/api/loyalty/offers/{offerId}/coupons", new { memberId = member.MemberId });
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
            codes.Add((await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!);
        }
        using var redeemed = await _loyalty.ProviderDesk.PostAsJsonAsync($"/api/loyalty/providers/{LoyaltyTestClient.Provider}/coupons/{codes[0]}/redemption",
            new { memberId = members[0].MemberId });
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);

        var offers = (await _loyalty.Admin.GetFromJsonAsync<JsonElement>("/api/loyalty/offers")).EnumerateArray().ToList();

        var counted = offers.Single(o => o.GetProperty("offerId").GetGuid() == offerId);
        Assert.Equal(3, counted.GetProperty("couponsIssued").GetInt64());
        Assert.Equal(1, counted.GetProperty("couponsRedeemed").GetInt64());
        Assert.Equal("Chelsea Skin & Laser", Assert.Single(counted.GetProperty("providers").EnumerateArray()).GetProperty("name").GetString());
        var none = offers.Single(o => o.GetProperty("offerId").GetGuid() == untouched);
        Assert.Equal(0, none.GetProperty("couponsIssued").GetInt64());
        Assert.Equal(0, none.GetProperty("couponsRedeemed").GetInt64());
    }

    [Fact]
    public async Task The_directory_is_searched_by_part_of_a_name_in_any_case_alone_or_near_a_zip()
    {
        var byName = await _loyalty.Admin.GetFromJsonAsync<JsonElement>("/api/loyalty/providers/search?name=med%20SPA");
        var names = byName.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("Brooklyn Heights Med Spa", names);
        Assert.Contains("Belltown Med Spa", names);
        Assert.All(names, name => Assert.Contains("med spa", name!, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(JsonValueKind.Null, byName.GetProperty("zip").ValueKind);

        var nearZip = await _loyalty.Admin.GetFromJsonAsync<JsonElement>("/api/loyalty/providers/search?name=med%20spa&zip=10001");
        Assert.Equal(["Brooklyn Heights Med Spa"], nearZip.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("name").GetString()));

        var literal = await _loyalty.Admin.GetFromJsonAsync<JsonElement>("/api/loyalty/providers/search?name=%25");
        Assert.Empty(literal.GetProperty("providers").EnumerateArray());

        using var tooLong = await _loyalty.Admin.GetAsync($"/api/loyalty/providers/search?name={new string('a', 101)}");
        using var neither = await _loyalty.Admin.GetAsync("/api/loyalty/providers/search");
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, neither.StatusCode);
    }
}
