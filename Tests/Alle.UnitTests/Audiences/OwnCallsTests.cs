using System.Text.Json;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Membership;
using Alle.Audiences.Outbox;
using Alle.Contracts;

namespace Alle.UnitTests.Audiences;

public sealed class OwnCallsTests
{
    private static readonly Guid s_profile = Guid.NewGuid();

    [Fact]
    public void Our_audience_and_trait_calls_name_the_profile_they_were_about()
    {
        Assert.Equal(s_profile, OwnCalls.ProfileOf(Returning(MembershipWriter.TrackMessageId(Guid.NewGuid(), s_profile, entered: true, 42))));
        Assert.Equal(s_profile, OwnCalls.ProfileOf(Returning(MembershipWriter.TrackMessageId(Guid.NewGuid(), s_profile, entered: false, 7))));
        Assert.Equal(s_profile, OwnCalls.ProfileOf(Returning(ComputedValueWriter.IdentifyMessageId(Guid.NewGuid(), s_profile, 3))));
    }

    [Fact]
    public void Other_calls_name_no_profile()
    {
        var ours = MembershipWriter.TrackMessageId(Guid.NewGuid(), s_profile, entered: true, 1);

        Assert.Null(OwnCalls.ProfileOf(null));
        Assert.Null(OwnCalls.ProfileOf(Returning(ours, library: "analytics-node")));
        Assert.Null(OwnCalls.ProfileOf(Returning(ours, library: null)));
        Assert.Null(OwnCalls.ProfileOf(Returning($"etl-{Guid.NewGuid():N}")));
        Assert.Null(OwnCalls.ProfileOf(Returning($"{ours}-tampered")));
    }

    private static TrackedEvent Returning(string messageId, string? library = OutboxCall.LibraryName)
    {
        var context = JsonSerializer.SerializeToElement(library is null ? new { } : (object)new { library = new { name = library, version = "1.0.0" } });
        return new TrackedEvent("audiences", messageId, "track", "member-1", null, "Audience Entered", null, null, null, null, null, context, null,
            DateTimeOffset.UtcNow, null, null, DateTimeOffset.UtcNow);
    }
}
