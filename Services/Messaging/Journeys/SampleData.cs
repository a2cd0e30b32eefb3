using System.Text.Json;

namespace Alle.Messaging.Journeys;

/// <summary>
/// A member, coupon and check-in as long as real ones get (the directory's longest clinic name, a full coupon code), for
/// previews: a template that fits one segment with these fits one with anyone's.
/// </summary>
internal static class SampleData
{
    public const string UserId = "mbr_0000000000000000000000";

    public static JsonElement Traits { get; } = JsonSerializer.SerializeToElement(new { firstName = "Alexandria", lastName = "Montgomery", loyalty_tier = "a-list" });

    public static IReadOnlyDictionary<string, object?> Coupon { get; } = new Dictionary<string, object?>
    {
        ["code"] = "ABCD-EFGH-JKLM",
        ["value"] = 100m,
        ["offer_id"] = "00000000-0000-0000-0000-000000000000",
        ["expires_at"] = "2026-12-31",
    };

    public static JsonElement Event { get; } = JsonSerializer.SerializeToElement(new
    {
        providerName = "Westchester Face & Body",
        providerId = "prv_westchester_face",
        flashOfferTitle = "Flash: $25 off today",
        flashOfferValue = 25,
    });
}
