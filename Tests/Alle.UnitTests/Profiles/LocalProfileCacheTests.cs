using Alle.Contracts;
using Alle.Profiles.Caching;
using Alle.Profiles.Reading;
using Microsoft.Extensions.Time.Testing;

namespace Alle.UnitTests.Profiles;

public sealed class LocalProfileCacheTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));

    private LocalProfileCache Enabled(int capacity = 100)
    {
        var cache = new LocalProfileCache(_clock, capacity, TimeSpan.FromMinutes(5));
        cache.Enable();
        return cache;
    }

    private static ProfileDocument Document(params Identifier[] identifiers) => new(
        Guid.NewGuid(),
        new Dictionary<string, Alle.Profiles.Traits.TraitValue>(),
        identifiers.Select(i => new StoredIdentity(i.Type, i.Value, "web", "m1", DateTimeOffset.UnixEpoch)).ToList(),
        new ProfileMetadata(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "m1", "web", "m1", "web"),
        []);

    private static readonly Identifier s_user = new("user_id", "u-1");

    [Fact]
    public void A_stored_document_is_found_by_the_identifier_it_was_read_by()
    {
        var cache = Enabled();
        var document = Document(s_user);

        cache.Store(s_user, document, cache.Ticket());

        Assert.Same(document, cache.Find(s_user));
    }

    [Fact]
    public void An_invalidated_profile_is_read_again()
    {
        var cache = Enabled();
        var document = Document(s_user);
        cache.Store(s_user, document, cache.Ticket());

        cache.Invalidate([document.ProfileId]);

        Assert.Null(cache.Find(s_user));
    }

    [Fact]
    public void A_read_that_started_before_an_invalidation_is_not_kept()
    {
        var cache = Enabled();
        var document = Document(s_user);
        var ticket = cache.Ticket();

        cache.Invalidate([document.ProfileId]);
        cache.Store(s_user, document, ticket);

        Assert.Null(cache.Find(s_user));
    }

    [Fact]
    public void A_read_that_started_after_an_invalidation_is_kept()
    {
        var cache = Enabled();
        var document = Document(s_user);
        cache.Invalidate([document.ProfileId]);

        cache.Store(s_user, document, cache.Ticket());

        Assert.Same(document, cache.Find(s_user));
    }

    [Fact]
    public void An_invalidation_of_another_profile_does_not_empty_the_cache()
    {
        var cache = Enabled();
        var document = Document(s_user);
        cache.Store(s_user, document, cache.Ticket());

        cache.Invalidate(Enumerable.Range(0, 50).Select(_ => Guid.NewGuid()));

        Assert.Same(document, cache.Find(s_user));
    }

    [Fact]
    public void A_pointer_to_a_profile_that_no_longer_holds_the_identifier_is_a_miss()
    {
        var cache = Enabled();
        var phone = new Identifier("phone", "+15555550100");
        var before = Document(s_user, phone);
        cache.Store(phone, before, cache.Ticket());
        // An unmerge moved the phone to another profile; the old profile is read again without it.
        var after = before with { Identities = before.Identities.Where(i => i.Type == "user_id").ToList() };
        cache.Invalidate([before.ProfileId]);
        cache.Store(s_user, after, cache.Ticket());

        Assert.Null(cache.Find(phone));
        Assert.Same(after, cache.Find(s_user));
    }

    [Fact]
    public void Nothing_is_served_or_kept_while_off_and_nothing_read_before_switching_on_is_kept()
    {
        var cache = new LocalProfileCache(_clock, 100, TimeSpan.FromMinutes(5));
        var document = Document(s_user);
        var ticketWhileOff = cache.Ticket();
        cache.Store(s_user, document, ticketWhileOff);
        Assert.Null(cache.Find(s_user));

        cache.Enable();
        cache.Store(s_user, document, ticketWhileOff);
        Assert.Null(cache.Find(s_user));

        cache.Store(s_user, document, cache.Ticket());
        Assert.Same(document, cache.Find(s_user));

        cache.Disable();
        Assert.Null(cache.Find(s_user));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void A_document_expires_after_its_time_to_live()
    {
        var cache = Enabled();
        var document = Document(s_user);
        cache.Store(s_user, document, cache.Ticket());

        _clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        Assert.Null(cache.Find(s_user));
    }

    [Fact]
    public void Over_capacity_the_oldest_documents_make_room()
    {
        var cache = Enabled(capacity: 10);
        var identifiers = Enumerable.Range(0, 25).Select(i => new Identifier("user_id", $"u-{i}")).ToList();
        foreach (var identifier in identifiers)
        {
            cache.Store(identifier, Document(identifier), cache.Ticket());
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.InRange(cache.Count, 1, 10);
        Assert.NotNull(cache.Find(identifiers[^1]));
        Assert.Null(cache.Find(identifiers[0]));
    }
}
