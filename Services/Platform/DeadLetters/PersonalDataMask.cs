using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Alle.Platform.DeadLetters;

/// <summary>
/// Hides phone numbers and e-mail addresses in what the dead-letter API shows of a message: the value of any property
/// whose name says phone, mobile or e-mail, and anything shaped like an E.164 number (<c>+15551234567</c>) or an e-mail
/// address elsewhere in a body, an exception message or a text the message carries.
/// </summary>
public static partial class PersonalDataMask
{
    public const string Phone = "[phone]";
    public const string Email = "[e-mail]";

    private static readonly string[] s_personalNames = ["phone", "mobile", "msisdn", "email", "e-mail", "e_mail"];

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    // A plus, then 7 to 15 digits that may be grouped by spaces, dots, dashes or brackets.
    [GeneratedRegex(@"(?<![\w+])\+\d(?:[\s().-]{0,2}\d){6,14}(?!\d)", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    public static string Mask(string text) =>
        PhonePattern().Replace(EmailPattern().Replace(text, Email), Phone);

    /// <summary>A masked copy of <paramref name="node"/>; the original is left as it was.</summary>
    public static JsonNode? Mask(JsonNode? node) => MaskNode(node?.DeepClone(), personal: null);

    private static JsonNode? MaskNode(JsonNode? node, string? personal)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    Replace(child, MaskNode(child, PersonalKind(name) ?? personal), masked => obj[name] = masked);
                }
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var index = i;
                    Replace(array[i], MaskNode(array[i], personal), masked => array[index] = masked);
                }
                return array;
            case JsonValue value when value.GetValueKind() is JsonValueKind.String or JsonValueKind.Number && personal is not null:
                return JsonValue.Create(personal);
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                var masked = Mask(text);
                return masked == text ? value : JsonValue.Create(masked);
            default:
                return node;
        }
    }

    private static void Replace(JsonNode? original, JsonNode? masked, Action<JsonNode?> set)
    {
        if (!ReferenceEquals(original, masked))
        {
            set(masked);
        }
    }

    private static string? PersonalKind(string propertyName)
    {
        var name = propertyName.ToLowerInvariant();
        if (!s_personalNames.Any(name.Contains))
        {
            return null;
        }
        return name.Contains("mail", StringComparison.Ordinal) ? Email : Phone;
    }
}
