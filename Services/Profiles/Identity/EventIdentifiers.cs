using System.Text.Json;
using Alle.Contracts;

namespace Alle.Profiles.Identity;

/// <summary>
/// The identifiers an event carries. <see cref="AliasOf"/> is an alias call's <c>previousId</c>, which may name a
/// user id or an anonymous id: <see cref="For"/> decides once the identity graph is known.
/// </summary>
internal sealed record EventIdentifiers(IReadOnlyList<Identifier> Identifiers, string? AliasOf)
{
    /// <summary>The candidates to look up in the graph (including both readings of an alias's previous id).</summary>
    public IEnumerable<Identifier> LookupKeys => AliasOf is null
        ? Identifiers
        : Identifiers.Append(new Identifier(IdentifierTypes.UserId, AliasOf)).Append(new Identifier(IdentifierTypes.AnonymousId, AliasOf));

    /// <summary>The identifiers to resolve: an alias's previous id is a user id when the graph knows it as one, else an anonymous id.</summary>
    public IReadOnlyList<Identifier> For(IdentityGraph graph)
    {
        if (AliasOf is null)
        {
            return Identifiers;
        }
        var asUserId = new Identifier(IdentifierTypes.UserId, AliasOf);
        var previous = graph.OwnerOf(asUserId) is not null ? asUserId : new Identifier(IdentifierTypes.AnonymousId, AliasOf);
        return [.. Identifiers.Append(previous).Distinct()];
    }

    /// <summary>
    /// Reads userId, anonymousId, traits.email/phone (identify), context.traits.email/phone and
    /// <c>context.externalIds</c> (<c>[{id, type, collection, encoding}]</c>, users collection only).
    /// </summary>
    public static EventIdentifiers From(TrackedEvent trackedEvent, IdentifierNormalizer normalizer)
    {
        var identifiers = new List<Identifier>(4);
        void Add(string type, string? value)
        {
            if (normalizer.Normalize(type, value) is { } identifier && !identifiers.Contains(identifier))
            {
                identifiers.Add(identifier);
            }
        }

        Add(IdentifierTypes.UserId, trackedEvent.UserId);
        Add(IdentifierTypes.AnonymousId, trackedEvent.AnonymousId);
        if (trackedEvent.Type == "identify" && trackedEvent.Traits is { ValueKind: JsonValueKind.Object } traits)
        {
            Add(IdentifierTypes.Email, Text(traits, "email"));
            Add(IdentifierTypes.Phone, Text(traits, "phone"));
        }
        if (trackedEvent.Context is { ValueKind: JsonValueKind.Object } context)
        {
            if (context.TryGetProperty("traits", out var contextTraits) && contextTraits.ValueKind == JsonValueKind.Object)
            {
                Add(IdentifierTypes.Email, Text(contextTraits, "email"));
                Add(IdentifierTypes.Phone, Text(contextTraits, "phone"));
            }
            if (context.TryGetProperty("externalIds", out var externalIds) && externalIds.ValueKind == JsonValueKind.Array)
            {
                foreach (var externalId in externalIds.EnumerateArray())
                {
                    if (externalId.ValueKind != JsonValueKind.Object
                        || Text(externalId, "type") is not { } type
                        || Text(externalId, "collection") is { } collection && collection != "users"
                        || Text(externalId, "encoding") is { } encoding && encoding != "none")
                    {
                        continue;
                    }
                    Add(type, Text(externalId, "id"));
                }
            }
        }

        var aliasOf = trackedEvent.Type == "alias" && normalizer.Normalize(IdentifierTypes.UserId, trackedEvent.PreviousId) is { } previous
            ? previous.Value
            : null;
        return new EventIdentifiers(identifiers, aliasOf);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;
}
