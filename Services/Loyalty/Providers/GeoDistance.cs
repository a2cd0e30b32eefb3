namespace Alle.Loyalty.Providers;

internal readonly record struct GeoPoint(double Latitude, double Longitude);

/// <summary>Great-circle distances on a spherical Earth (haversine), in miles: accurate to well under 1% for a directory search.</summary>
internal static class GeoDistance
{
    private const double EarthRadiusMiles = 3958.8;

    public static double Miles(GeoPoint from, GeoPoint to)
    {
        var dLat = Radians(to.Latitude - from.Latitude);
        var dLon = Radians(to.Longitude - from.Longitude);
        var a = Math.Pow(Math.Sin(dLat / 2), 2)
            + Math.Cos(Radians(from.Latitude)) * Math.Cos(Radians(to.Latitude)) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * EarthRadiusMiles * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>A latitude/longitude box that contains every point within <paramref name="miles"/> (for an index scan before the exact distance).</summary>
    public static (GeoPoint Min, GeoPoint Max) BoundingBox(GeoPoint center, double miles)
    {
        var dLat = miles / 69.0;
        var dLon = miles / (69.0 * Math.Max(0.01, Math.Cos(Radians(center.Latitude))));
        return (new GeoPoint(center.Latitude - dLat, center.Longitude - dLon), new GeoPoint(center.Latitude + dLat, center.Longitude + dLon));
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180;
}
