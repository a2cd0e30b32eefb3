using System.Text.Json;
using Alle.Contracts;

namespace Alle.Platform.Identifiers;

/// <summary>
/// The identifiers of the person an event is about, normalised the way Profiles keys people: <c>user_id</c>,
/// <c>anonymous_id</c>, <c>phone</c> and <c>email</c> as the platform reads them (<see cref="PhoneNumberNormalizer"/>,
/// <see cref="EmailNormalizer"/>). Phones and e-mails are read from <c>traits</c>, <c>context.traits</c> and
/// <c>context.externalIds</c>, as strings or (like Profiles) as JSON numbers.
/// </summary>
public sealed class SubjectIdentifiers(PhoneNumberNormalizer phones)
{
    public static string Key(Identifier identifier) => $"{identifier.Type}:{identifier.Value}";

    /// <summary>Every identifier the event carries, normalised, without repeats.</summary>
    public IReadOnlyList<Identifier> Of(TrackedEvent trackedEvent)
    {
        var found = new List<Identifier>(4);
        void Add(Identifier? identifier)
        {
            if (identifier is not null && !found.Contains(identifier))
            {
                found.Add(identifier);
            }
        }

        if (!string.IsNullOrEmpty(trackedEvent.UserId))
        {
            Add(new Identifier("user_id", trackedEvent.UserId));
        }
        if (!string.IsNullOrEmpty(trackedEvent.AnonymousId))
        {
            Add(new Identifier("anonymous_id", trackedEvent.AnonymousId));
        }
        foreach (var identifier in ContactPoints(trackedEvent))
        {
            Add(identifier);
        }
        return found;
    }

    /// <summary>Only the phones and e-mails (the warehouse keeps them beside each row so a person's rows can be deleted).</summary>
    public IReadOnlyList<Identifier> ContactPoints(TrackedEvent trackedEvent)
    {
        var found = new List<Identifier>(2);
        void Add(Identifier? identifier)
        {
            if (identifier is not null && !found.Contains(identifier))
            {
                found.Add(identifier);
            }
        }

        FromTraits(trackedEvent.Traits, Add);
        if (trackedEvent.Context is { ValueKind: JsonValueKind.Object } context)
        {
            if (context.TryGetProperty("traits", out var contextTraits))
            {
                FromTraits(contextTraits, Add);
            }
            if (context.TryGetProperty("externalIds", out var externalIds) && externalIds.ValueKind == JsonValueKind.Array)
            {
                foreach (var externalId in externalIds.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object))
                {
                    if (Text(externalId, "type") is { } type && Text(externalId, "id") is { } id)
                    {
                        Add(Normalize(new Identifier(type.ToLowerInvariant() switch
                        {
                            "phone_number" => "phone",
                            "userid" => "user_id",
                            "anonymousid" => "anonymous_id",
                            var other => other,
                        }, id)));
                    }
                }
            }
        }
        return found;
    }

    /// <summary>The identifier in canonical form, or null when it cannot be (an unreadable phone number, an empty value).</summary>
    public Identifier? Normalize(Identifier identifier)
    {
        var value = identifier.Value?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        return identifier.Type switch
        {
            "phone" => phones.ToE164(value) is { } phone ? new Identifier("phone", phone) : null,
            "email" => EmailNormalizer.Normalize(value) is { } email ? new Identifier("email", email) : null,
            _ => new Identifier(identifier.Type, value),
        };
    }

    private void FromTraits(JsonElement? traits, Action<Identifier?> add)
    {
        if (traits is not { ValueKind: JsonValueKind.Object } value)
        {
            return;
        }
        if (Text(value, "phone") is { } phone)
        {
            add(Normalize(new Identifier("phone", phone)));
        }
        if (Text(value, "email") is { } email)
        {
            add(Normalize(new Identifier("email", email)));
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;
}
