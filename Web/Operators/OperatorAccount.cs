namespace Alle.Web.Operators;

/// <summary>
/// An operator as stored: the password only as ASP.NET Core Identity's hash; her own phone (E.164, proven with a texted
/// code) and whether sign-in asks for a code texted to it (<paramref name="SecondFactor"/>).
/// </summary>
public sealed record OperatorAccount(Guid Id, string Email, string Role, string PasswordHash, int FailedAttempts, DateTimeOffset? LockedUntil,
    DateTimeOffset? DisabledAt, DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt, string? Phone = null, bool SecondFactor = false)
{
    public bool IsLocked(DateTimeOffset now) => LockedUntil is { } until && until > now;

    /// <summary>Sign-in asks for a code texted to her phone after her password.</summary>
    public bool NeedsCode => SecondFactor && Phone is not null;
}

/// <summary>An operator's phone as anyone sees it, herself included: only its last four digits (<c>•••• 0142</c>).</summary>
public static class OperatorPhone
{
    public static string Masked(string? phone) => phone is { Length: > 4 } ? $"•••• {phone[^4..]}" : "none";
}

/// <summary>
/// Lockout: five wrong passwords in a row lock the account for fifteen minutes; a right one resets the count. A locked
/// account is refused without its password being checked, so guessing during the lockout learns nothing.
/// </summary>
public static class Lockout
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(15);

    /// <summary>The failure count and lock after one more wrong password.</summary>
    public static (int FailedAttempts, DateTimeOffset? LockedUntil) AfterFailure(int failedAttempts, DateTimeOffset now) =>
        failedAttempts + 1 >= MaxFailures ? (0, now + Duration) : (failedAttempts + 1, null);
}

/// <summary>What a new password must be: long enough to resist guessing offline should the hashes ever leak.</summary>
public static class PasswordRules
{
    public const int MinLength = 12;
    public const int MaxLength = 256;

    public static string? Problem(string? password) => password switch
    {
        null or "" => "Enter a password.",
        { Length: < MinLength } => $"Use at least {MinLength} characters.",
        { Length: > MaxLength } => $"Use at most {MaxLength} characters.",
        _ => null,
    };
}
