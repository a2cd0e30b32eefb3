using System.Text.Json;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Profiles;
using Alle.Contracts;

namespace Alle.Audiences.RealTime;

/// <summary>A computed value as stored: JSON null once a value disappeared (versions never repeat).</summary>
internal readonly record struct StoredValue(JsonElement Value, int Version);

/// <summary>One profile of a batch as the batch found it (locked), changed in memory as its updates are applied.</summary>
internal sealed class BatchProfile(ProfileState state, List<ProfileEvent> events, Dictionary<Guid, StoredValue> values, HashSet<Guid> memberships)
{
    public ProfileState State { get; } = state;

    /// <summary>Its stored events of the names the batch's definitions read, then each new event of the batch as its update is applied.</summary>
    public List<ProfileEvent> Events { get; } = events;

    /// <summary>Computed values by trait id.</summary>
    public Dictionary<Guid, StoredValue> Values { get; } = values;

    /// <summary>Ids of the audiences she is a member of.</summary>
    public HashSet<Guid> Memberships { get; } = memberships;

    /// <summary>An update changed her: her row is saved.</summary>
    public bool Changed { get; set; }

    /// <summary>When her windowed results can next change must be worked out again.</summary>
    public bool Reschedule { get; set; }
}

/// <summary>
/// An update of the batch, resolved to the profile it applies to; <paramref name="NewEvent"/> is its track event when
/// this batch stored it (null for an identify, or a track event already stored: a redelivery).
/// </summary>
internal sealed record BatchUpdate(Guid ProfileId, ProfileUpdated Message, ProfileEvent? NewEvent);

/// <summary>What the batch decided, in the order it decided it: the outbox rows follow this order.</summary>
internal abstract record BatchFact(Guid ProfileId);

/// <summary>
/// A computed value to send as a trait; <paramref name="Stored"/> when it changed (a new version to store), false when
/// an existing value goes out because she just got a user id.
/// </summary>
internal sealed record ComputedValueDecided(Guid ProfileId, ComputedTrait Trait, string? UserId, JsonElement? Value, int Version, bool Stored)
    : BatchFact(ProfileId);

internal sealed record MembershipDecided(Guid ProfileId, AudienceDefinition Audience, string? UserId, bool Entered, string Reason) : BatchFact(ProfileId);

/// <summary>
/// Applies a batch of profile updates in memory, each exactly as a single update would be applied, in order: traits
/// and user id, the new event, then the computed traits fed by it and the audiences depending on what changed.
/// Pure: the caller loads the profiles and writes the facts.
/// </summary>
internal static class ProfileBatch
{
    public static List<BatchFact> Apply(Catalog catalog, IReadOnlyDictionary<Guid, BatchProfile> profiles, IReadOnlyList<BatchUpdate> updates,
        IReadOnlySet<(Guid ModelId, string Identifier)> modelRows, DateTimeOffset now)
    {
        var facts = new List<BatchFact>();
        foreach (var update in updates)
        {
            var profile = profiles[update.ProfileId];
            var message = update.Message;
            var state = profile.State;
            var changedTraits = state.ApplyTraits(message.ChangedTraits ?? new Dictionary<string, JsonElement>(), message.UpdatedAt);
            var userIdChanged = message.UserId is not null && !string.Equals(state.UserId, message.UserId, StringComparison.Ordinal);
            if (userIdChanged)
            {
                if (state.UserId is null)
                {
                    facts.AddRange(CurrentValues(catalog, profile, message.UserId!));
                }
                state.UserId = message.UserId;
            }
            if (update.NewEvent is { } added)
            {
                profile.Events.Add(added);
            }
            var performed = update.NewEvent?.Name;
            var isNew = state.IsNew;
            // Only her first update finds her new: the next one finds the row this one created.
            state.IsNew = false;
            if (changedTraits.Count == 0 && !userIdChanged && performed is null && !isNew)
            {
                continue;
            }

            profile.Changed = true;
            var change = new ProfileChange
            {
                Traits = changedTraits,
                Event = performed,
                IdentifiersChanged = userIdChanged || changedTraits.Any(ProfileState.IsIdentifierTrait),
                Everything = isNew,
            };
            Evaluate(catalog, profile, change, performed is null ? "traits" : "event", modelRows, now, facts);
        }
        return facts;
    }

    /// <summary>
    /// The computed traits and audiences that may be evaluated for these changes, whatever the computed values turn out
    /// to be: what the batch locks (shared) against a full computation, and whose events it reads.
    /// </summary>
    public static (IReadOnlyList<ComputedTrait> Traits, IReadOnlyList<AudienceDefinition> Audiences) Reach(Catalog catalog, IEnumerable<ProfileChange> changes)
    {
        var traits = new Dictionary<Guid, ComputedTrait>();
        var audiences = new Dictionary<Guid, AudienceDefinition>();
        foreach (var change in changes)
        {
            var fed = TraitsFedBy(catalog, change);
            foreach (var trait in fed)
            {
                traits.TryAdd(trait.Id, trait);
            }
            var keys = new HashSet<string>(fed.Select(trait => trait.Key), StringComparer.Ordinal);
            foreach (var audience in catalog.AudiencesAffectedBy(change with { ComputedTraits = keys }))
            {
                audiences.TryAdd(audience.Id, audience);
            }
        }
        return ([.. traits.Values], [.. audiences.Values]);
    }

    private static IReadOnlyList<ComputedTrait> TraitsFedBy(Catalog catalog, ProfileChange change) =>
        change.Everything ? catalog.ComputedTraits : change.Event is { } name ? catalog.TraitsComputedFrom(name) : [];

    private static IEnumerable<BatchFact> CurrentValues(Catalog catalog, BatchProfile profile, string userId) =>
        profile.Values.OrderBy(value => value.Key)
            .Select(value => (Trait: catalog.ComputedTraits.FirstOrDefault(trait => trait.Id == value.Key), value.Value))
            .Where(value => value.Trait is not null)
            .Select(value => new ComputedValueDecided(profile.State.ProfileId, value.Trait!, userId,
                value.Value.Value.ValueKind == JsonValueKind.Null ? null : value.Value.Value, value.Value.Version, Stored: false));

    private static void Evaluate(Catalog catalog, BatchProfile profile, ProfileChange change, string reason,
        IReadOnlySet<(Guid ModelId, string Identifier)> modelRows, DateTimeOffset now, List<BatchFact> facts)
    {
        var profileId = profile.State.ProfileId;
        var changedComputedTraits = new HashSet<string>(StringComparer.Ordinal);
        foreach (var trait in TraitsFedBy(catalog, change))
        {
            var value = ComputedTraitCalculator.Compute(trait.Definition, profile.Events, now);
            var known = profile.Values.TryGetValue(trait.Id, out var stored);
            if (known ? SameValue(stored.Value, value) : value is null || ProfileEvaluator.IsZeroCount(trait, value.Value))
            {
                continue;
            }
            var version = known ? stored.Version + 1 : 1;
            profile.Values[trait.Id] = new StoredValue(value ?? JsonNull, version);
            facts.Add(new ComputedValueDecided(profileId, trait, profile.State.UserId, value, version, Stored: true));
            changedComputedTraits.Add(trait.Key);
        }

        var audiences = catalog.AudiencesAffectedBy(change with { ComputedTraits = changedComputedTraits });
        if (audiences.Count > 0)
        {
            var audienceKeys = catalog.Audiences.ToDictionary(audience => audience.Id, audience => audience.Key);
            var profileFacts = new ProfileFacts
            {
                Traits = profile.State.Traits,
                UserId = profile.State.UserId,
                Events = profile.Events,
                ComputedTraits = catalog.ComputedTraits.Where(trait => profile.Values.ContainsKey(trait.Id))
                    .ToDictionary(trait => trait.Key, trait => profile.Values[trait.Id].Value, StringComparer.Ordinal),
                Audiences = new HashSet<string>(profile.Memberships.Where(audienceKeys.ContainsKey).Select(id => audienceKeys[id]), StringComparer.Ordinal),
                Models = audiences.Any(audience => audience.References.Models.Count > 0) ? ModelsOf(catalog, profile.State, modelRows) : new HashSet<string>(),
            };
            foreach (var audience in audiences)
            {
                var member = ConditionEvaluator.Evaluate(audience.Condition, profileFacts, now);
                if (member == profileFacts.Audiences.Contains(audience.Key))
                {
                    continue;
                }
                if (member)
                {
                    profileFacts.Audiences.Add(audience.Key);
                    profile.Memberships.Add(audience.Id);
                }
                else
                {
                    profileFacts.Audiences.Remove(audience.Key);
                    profile.Memberships.Remove(audience.Id);
                }
                facts.Add(new MembershipDecided(profileId, audience, profile.State.UserId, member, reason));
            }
        }

        if (catalog.Windows.Count > 0 && (change.Everything || (change.Event is not null && catalog.Windows.Any(window => window.Event == change.Event))))
        {
            profile.Reschedule = true;
        }
    }

    /// <summary>The identifiers (user id, e-mail, phone) a batch's models are looked up by: what she has and what her updates set.</summary>
    public static IEnumerable<string> ModelIdentifiers(Catalog catalog, ProfileState state, IEnumerable<ProfileUpdated> updates)
    {
        foreach (var type in catalog.Models.Select(model => model.IdentifierType).Distinct())
        {
            if (ProfileIdentifiers.Of(type, state.UserId, state.Traits) is { } current)
            {
                yield return current;
            }
            foreach (var update in updates)
            {
                if (ProfileIdentifiers.Of(type, update.UserId ?? state.UserId, update.ChangedTraits ?? new Dictionary<string, JsonElement>()) is { } set)
                {
                    yield return set;
                }
            }
        }
    }

    private static HashSet<string> ModelsOf(Catalog catalog, ProfileState state, IReadOnlySet<(Guid ModelId, string Identifier)> modelRows) =>
        new(catalog.Models
            .Where(model => ProfileIdentifiers.Of(model.IdentifierType, state.UserId, state.Traits) is { } identifier && modelRows.Contains((model.Id, identifier)))
            .Select(model => model.Key), StringComparer.Ordinal);

    private static bool SameValue(JsonElement stored, JsonElement? value) =>
        value is { } present ? JsonElement.DeepEquals(stored, present) : stored.ValueKind == JsonValueKind.Null;

    private static readonly JsonElement JsonNull = JsonDocument.Parse("null").RootElement.Clone();
}
