using System.Globalization;
using System.Security.Cryptography;

namespace Alle.Testing;

/// <summary>
/// Phone numbers for tests that share one application (and one sandbox phone network): unique within the test run
/// (a counter from a random start, not independent random draws that can collide), never one of the sandbox's
/// delivery-failure numbers (ending in 30003–30008), with an exchange starting 2–9 as North American numbers do.
/// </summary>
public static class TestPhones
{
    private static long s_next = RandomNumberGenerator.GetInt32(2_000_000, 8_000_000);

    public static string New(string areaCode = "555")
    {
        long number;
        do
        {
            number = Interlocked.Increment(ref s_next);
        }
        while (number % 100_000 is >= 30_003 and <= 30_008);
        return $"+1{areaCode}{number.ToString(CultureInfo.InvariantCulture)}";
    }
}
