using System.Security.Cryptography;

/// <summary>Development credentials for the Twilio sandbox, in Twilio's own shapes.</summary>
internal static class TwilioCredentials
{
    public static string NewAccountSid() => "AC" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    public static string NewAuthToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
}
