using System.Globalization;

namespace Alle.Loyalty.Providers;

/// <summary>
/// Where a zip code the directory does not list lies, roughly: the first three digits name a USPS region within one
/// state, and the state's geographic centre stands in for it. Good enough to say which participating providers are
/// nearest and about how far; a zip the directory lists uses its own centre.
/// </summary>
internal static class ZipRegions
{
    /// <summary>Prefix ranges (inclusive) → state, with the state's approximate centre.</summary>
    private static readonly (int From, int To, string State, double Latitude, double Longitude)[] s_regions =
    [
        (10, 27, "MA", 42.26, -71.81), (28, 29, "RI", 41.68, -71.56), (30, 38, "NH", 43.68, -71.58), (39, 49, "ME", 45.37, -69.24),
        (50, 54, "VT", 44.07, -72.67), (55, 55, "MA", 42.26, -71.81), (56, 59, "VT", 44.07, -72.67), (60, 69, "CT", 41.60, -72.70),
        (70, 89, "NJ", 40.19, -74.67), (100, 149, "NY", 42.95, -75.53), (150, 196, "PA", 40.88, -77.80), (197, 199, "DE", 39.00, -75.50),
        (200, 205, "DC", 38.90, -77.03), (206, 219, "MD", 39.05, -76.79), (220, 246, "VA", 37.52, -78.85), (247, 268, "WV", 38.64, -80.62),
        (270, 289, "NC", 35.56, -79.39), (290, 299, "SC", 33.90, -80.90), (300, 319, "GA", 32.68, -83.22), (320, 349, "FL", 28.10, -81.60),
        (350, 369, "AL", 32.79, -86.83), (370, 385, "TN", 35.86, -86.35), (386, 397, "MS", 32.74, -89.68), (398, 399, "GA", 32.68, -83.22),
        (400, 427, "KY", 37.53, -85.30), (430, 459, "OH", 40.29, -82.79), (460, 479, "IN", 39.89, -86.28), (480, 499, "MI", 44.35, -85.41),
        (500, 528, "IA", 42.08, -93.50), (530, 549, "WI", 44.62, -89.99), (550, 567, "MN", 46.28, -94.31), (570, 577, "SD", 44.44, -100.23),
        (580, 588, "ND", 47.45, -100.47), (590, 599, "MT", 47.03, -109.64), (600, 629, "IL", 40.04, -89.20), (630, 658, "MO", 38.37, -92.48),
        (660, 679, "KS", 38.50, -98.38), (680, 693, "NE", 41.53, -99.80), (700, 714, "LA", 31.07, -92.00), (716, 729, "AR", 34.89, -92.44),
        (733, 733, "TX", 31.48, -99.33), (730, 749, "OK", 35.59, -97.49), (750, 799, "TX", 31.48, -99.33), (800, 816, "CO", 38.99, -105.55), (820, 831, "WY", 43.00, -107.55),
        (832, 838, "ID", 44.35, -114.61), (840, 847, "UT", 39.32, -111.09), (850, 865, "AZ", 34.17, -111.93), (870, 884, "NM", 34.41, -106.11),
        (885, 885, "TX", 31.48, -99.33), (889, 898, "NV", 39.33, -116.63), (900, 961, "CA", 37.18, -119.47), (967, 968, "HI", 20.29, -156.37),
        (970, 979, "OR", 43.93, -120.56), (980, 994, "WA", 47.38, -120.45), (995, 999, "AK", 64.00, -150.00),
    ];

    /// <summary>The state and its centre for a five-digit zip, or null for a prefix no state uses.</summary>
    public static (string State, GeoPoint Center)? Find(string zip)
    {
        if (zip.Length != 5 || !int.TryParse(zip.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix))
        {
            return null;
        }
        foreach (var region in s_regions)
        {
            if (prefix >= region.From && prefix <= region.To)
            {
                return (region.State, new GeoPoint(region.Latitude, region.Longitude));
            }
        }
        return null;
    }
}
