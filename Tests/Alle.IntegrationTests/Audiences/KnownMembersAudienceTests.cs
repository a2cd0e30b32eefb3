using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Audiences;

/// <summary>
/// Audiences restricted to known members (issue 13), deletion announcing exits, and the trait names the builder offers,
/// driven by the profile updates Profiles publishes (from the test's own bus).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class KnownMembersAudienceTests(DistributedAppFixture app) : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly AudiencesApiClient _api = new(app);
    private ProfileEventBus _bus = null!;

    public async Task InitializeAsync() => _bus = await ProfileEventBus.StartAsync(app);

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    private async Task<JsonElement> CreateAsync(string key, string condition, bool knownMembersOnly)
    {
        var response = await app.AdminGateway.PostAsJsonAsync("/api/audiences", new
        {
            key, name = $"Audience {key}", condition = JsonDocument.Parse(condition).RootElement, knownMembersOnly,
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(knownMembersOnly, created.GetProperty("knownMembersOnly").GetBoolean());
        await _api.WaitUntilComputedAsync(key);
        return created;
    }

    [Fact]
    public async Task An_anonymous_profile_satisfying_the_condition_is_not_a_member_until_she_is_identified()
    {
        var tag = AudiencesApiClient.NewTag();
        var condition = AudiencesApiClient.NorthStarCondition(tag);
        var known = AudiencesApiClient.UniqueKey("known-only");
        var everyone = AudiencesApiClient.UniqueKey("everyone");
        await CreateAsync(known, condition, knownMembersOnly: true);
        await CreateAsync(everyone, condition, knownMembersOnly: false);
        var profileId = Guid.NewGuid();

        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, null, "Provider Searched", new { tag }));
        // Her search was evaluated (she is in the unrestricted audience), and the restriction kept her out of the other.
        await Eventually.TrueAsync(() => _api.IsMemberAsync(profileId.ToString(), everyone), s_timeout, "the anonymous searcher in the unrestricted audience");
        Assert.False(await _api.IsMemberAsync(profileId.ToString(), known));
        var preview = await PreviewAsync(condition, knownMembersOnly: true);
        Assert.Equal(0, preview.GetProperty("count").GetInt64());
        Assert.Equal(1, (await PreviewAsync(condition, knownMembersOnly: false)).GetProperty("count").GetInt64());

        var userId = $"member-{Guid.NewGuid():N}";
        await _bus.PublishAsync(ProfileEventBus.Identified(profileId, userId, new { first_name = "Ada" }));
        await Eventually.TrueAsync(() => _api.IsMemberAsync(profileId.ToString(), known), s_timeout, "her entry once identified");
        var entered = await Eventually.GetAsync(() => Task.FromResult(_bus.MembershipChanges.FirstOrDefault(change =>
            change.ProfileId == profileId && change.AudienceKey == known && change.Entered)), s_timeout, "AudienceMembershipChanged (entered)");
        Assert.Equal(userId, entered.UserId);

        // The batch path honours it too: a later audience computed over existing profiles holds her and not another anonymous searcher.
        var anonymous = Guid.NewGuid();
        await _bus.PublishAsync(ProfileEventBus.Tracked(anonymous, null, "Provider Searched", new { tag }));
        await Eventually.TrueAsync(() => _api.IsMemberAsync(anonymous.ToString(), everyone), s_timeout, "the second anonymous searcher evaluated");
        var later = AudiencesApiClient.UniqueKey("known-later");
        await CreateAsync(later, condition, knownMembersOnly: true);
        Assert.Equal([profileId.ToString()], (await _api.MembersAsync(later)).Select(member => member.GetProperty("profileId").GetString()));
    }

    [Fact]
    public async Task Deleting_an_audience_announces_every_member_s_exit()
    {
        var tag = AudiencesApiClient.NewTag();
        var key = AudiencesApiClient.UniqueKey("deleted");
        var created = await CreateAsync(key, AudiencesApiClient.NorthStarCondition(tag), knownMembersOnly: false);
        var profileId = Guid.NewGuid();
        var userId = $"member-{Guid.NewGuid():N}";
        await _bus.PublishAsync(ProfileEventBus.Tracked(profileId, userId, "Provider Searched", new { tag }));
        await Eventually.TrueAsync(() => _api.IsMemberAsync(profileId.ToString(), key), s_timeout, "her entry");

        var deleted = await app.AdminGateway.DeleteAsync($"/api/audiences/{key}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var exit = await Eventually.GetAsync(() => Task.FromResult(_bus.MembershipChanges.FirstOrDefault(change =>
            change.ProfileId == profileId && change.AudienceKey == key && !change.Entered)), s_timeout, "AudienceMembershipChanged (exited) on deletion");
        Assert.Equal(created.GetProperty("id").GetGuid(), exit.AudienceId);
        Assert.Equal("deleted", exit.Reason);
        Assert.Equal(userId, exit.UserId);
        Assert.False(await _api.IsMemberAsync(profileId.ToString(), key));
    }

    [Fact]
    public async Task Trait_names_list_the_keys_on_profiles_with_their_json_types()
    {
        var trait = $"builder_{AudiencesApiClient.NewTag()[..12]}";
        var profileId = Guid.NewGuid();
        await _bus.PublishAsync(ProfileEventBus.Identified(profileId, $"member-{Guid.NewGuid():N}", new Dictionary<string, object> { [trait] = 3 }));

        var found = await Eventually.GetValueAsync(async () =>
        {
            var names = await app.AdminGateway.GetFromJsonAsync<JsonElement>("/api/audiences/trait-names");
            return names.GetProperty("data").EnumerateArray().Where(name => name.GetProperty("name").GetString() == trait)
                .Select(name => (JsonElement?)name).FirstOrDefault();
        }, s_timeout, "the new trait listed");
        Assert.Equal(["number"], found.GetProperty("types").EnumerateArray().Select(type => type.GetString()));
    }

    private async Task<JsonElement> PreviewAsync(string condition, bool knownMembersOnly)
    {
        var response = await app.AdminGateway.PostAsJsonAsync("/api/audiences/preview",
            new { condition = JsonDocument.Parse(condition).RootElement, sampleSize = 0, knownMembersOnly });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
