using System.Security.Cryptography;
using System.Text;

namespace Alle.Messaging.Verification;

/// <summary>Six-digit one-time codes, kept only as a salted hash bound to the verification and the number.</summary>
internal static class VerificationCode
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    public const int MaxChecks = 5;
    public const int MaxSendsPerHour = 5;

    public static string Generate() => RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    public static byte[] Hash(Guid verificationId, string phone, string code) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"{verificationId:N}|{phone}|{code}"));

    public static bool Matches(Guid verificationId, string phone, string code, byte[] hash) =>
        IsWellFormed(code) && CryptographicOperations.FixedTimeEquals(Hash(verificationId, phone, code), hash);

    public static bool IsWellFormed(string? code) => code is { Length: 6 } && code.All(char.IsAsciiDigit);
}

/// <summary>Verify's states, as Twilio Verify names them.</summary>
internal static class VerificationStatus
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Canceled = "canceled";
    public const string MaxAttemptsReached = "max_attempts_reached";
    public const string Expired = "expired";
}

/// <summary>The outcome of a check, decided from the latest verification's state (pure, so the rules are unit-tested).</summary>
internal static class VerificationCheck
{
    public sealed record State(Guid Id, string Phone, byte[] CodeHash, string Status, int Checks, DateTimeOffset ExpiresAt);

    public sealed record Outcome(string Status, bool Valid, int Checks, string StoredStatus);

    public static Outcome Evaluate(State? state, string code, DateTimeOffset now)
    {
        if (state is null || state.Status != VerificationStatus.Pending)
        {
            return new Outcome(state?.Status == VerificationStatus.MaxAttemptsReached ? VerificationStatus.MaxAttemptsReached : VerificationStatus.Expired,
                false, state?.Checks ?? 0, state?.Status ?? VerificationStatus.Expired);
        }
        if (now >= state.ExpiresAt)
        {
            return new Outcome(VerificationStatus.Expired, false, state.Checks, VerificationStatus.Expired);
        }
        if (state.Checks >= VerificationCode.MaxChecks)
        {
            return new Outcome(VerificationStatus.MaxAttemptsReached, false, state.Checks, VerificationStatus.MaxAttemptsReached);
        }
        var checks = state.Checks + 1;
        if (VerificationCode.Matches(state.Id, state.Phone, code, state.CodeHash))
        {
            return new Outcome(VerificationStatus.Approved, true, checks, VerificationStatus.Approved);
        }
        // The fifth wrong code locks the verification: a sixth guess is never compared.
        var stored = checks >= VerificationCode.MaxChecks ? VerificationStatus.MaxAttemptsReached : VerificationStatus.Pending;
        return new Outcome(stored == VerificationStatus.Pending ? VerificationStatus.Pending : VerificationStatus.MaxAttemptsReached, false, checks, stored);
    }
}
