using Alle.Platform.Audit;
using Alle.Platform.Authorization;
using Alle.Web.Services.Messaging;

namespace Alle.Web.Operators;

public enum CodeOutcome { SignedIn, Wrong, Expired, TooManyWrong, Locked, Refused }

public sealed record CodeSignInResult(CodeOutcome Outcome, OperatorAccount? Account = null, DateTimeOffset? LockedUntil = null);

/// <summary>
/// The optional second factor: a code texted to the operator's own phone through Messaging's one-time codes, asked for
/// after her password. She proves a phone with a code before she can turn it on; an owner can reset it. Wrong codes
/// count towards the password's lockout, and a locked or disabled account gets no further; every step is in the audit
/// log, never the phone.
/// </summary>
public sealed class SecondFactor(OperatorStore store, AuditLog audit, MessagingService messaging, TimeProvider clock)
{
    public const string SignInResource = "console/sign-in";

    /// <summary>Texts a code to a phone (hers, or the one she is proving).</summary>
    public Task<CodeRequest> SendCodeAsync(string phone, CancellationToken cancellationToken) => messaging.StartVerificationAsync(phone, cancellationToken);

    /// <summary>The second step of a sign-in whose password was right.</summary>
    public async Task<CodeSignInResult> SignInAsync(Guid operatorId, string code, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (await store.FindAsync(operatorId, cancellationToken) is not { DisabledAt: null, NeedsCode: true } account)
        {
            await RecordAsync(operatorId.ToString(), "", "sign-in failed: code step without an active account", 401, cancellationToken);
            return new CodeSignInResult(CodeOutcome.Refused);
        }
        if (account.IsLocked(now))
        {
            await RecordAsync(account, "sign-in refused: locked", 423, cancellationToken);
            return new CodeSignInResult(CodeOutcome.Locked, LockedUntil: account.LockedUntil);
        }
        var check = await messaging.CheckVerificationAsync(account.Phone!, code, cancellationToken);
        if (check.Valid)
        {
            await store.RecordSignInAsync(account.Id, now, null, cancellationToken);
            await RecordAsync(account, "sign-in with code", 200, cancellationToken);
            return new CodeSignInResult(CodeOutcome.SignedIn, account);
        }
        var outcome = CodeChecks.Outcome(check.Status);
        if (outcome == CodeOutcome.Expired)
        {
            await RecordAsync(account, "sign-in failed: code expired", 401, cancellationToken);
            return new CodeSignInResult(outcome);
        }
        var (failures, lockedUntil) = Lockout.AfterFailure(account.FailedAttempts, now);
        await store.RecordFailureAsync(account.Id, failures, lockedUntil, cancellationToken);
        var reason = outcome == CodeOutcome.TooManyWrong ? "too many wrong codes" : "wrong code";
        await RecordAsync(account, lockedUntil is null ? $"sign-in failed: {reason}" : $"sign-in failed: {reason}: locked", 401, cancellationToken);
        return lockedUntil is null ? new CodeSignInResult(outcome) : new CodeSignInResult(CodeOutcome.Locked, LockedUntil: lockedUntil);
    }

    /// <summary>Records the phone she proved with the code texted to it; null when done, else why not.</summary>
    public async Task<string?> ProvePhoneAsync(Actor by, Guid operatorId, string phone, string code, CancellationToken cancellationToken)
    {
        var check = await messaging.CheckVerificationAsync(phone, code, cancellationToken);
        if (!check.Valid)
        {
            return CodeChecks.Explain(CodeChecks.Outcome(check.Status));
        }
        await store.SetPhoneAsync(operatorId, phone, cancellationToken);
        await audit.RecordAsync(by, "prove operator phone", $"operators/{operatorId}", 200, null, $$"""{"phone":"{{OperatorPhone.Masked(phone)}}"}""",
            cancellationToken);
        return null;
    }

    /// <summary>Turns her second factor on (a proven phone is needed) or off; false when it cannot be on.</summary>
    public async Task<bool> SetAsync(Actor by, Guid operatorId, bool on, CancellationToken cancellationToken)
    {
        if (!await store.SetSecondFactorAsync(operatorId, on, cancellationToken))
        {
            return false;
        }
        await audit.RecordAsync(by, on ? "turn on second factor" : "turn off second factor", $"operators/{operatorId}", 200, null,
            $$"""{"secondFactor":{{(on ? "true" : "false")}}}""", cancellationToken);
        return true;
    }

    /// <summary>An owner's reset of another operator's second factor (she lost her phone): phone forgotten, factor off.</summary>
    public async Task<bool> ResetAsync(Actor by, Guid operatorId, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(operatorId, cancellationToken) is not { } account || !await store.ResetSecondFactorAsync(operatorId, cancellationToken))
        {
            return false;
        }
        await audit.RecordAsync(by, "reset second factor", $"operators/{operatorId}", 200,
            $$"""{"email":"{{account.Email}}","secondFactor":{{(account.SecondFactor ? "true" : "false")}},"phone":"{{OperatorPhone.Masked(account.Phone)}}"}""",
            """{"secondFactor":false,"phone":"none"}""", cancellationToken);
        return true;
    }

    private Task RecordAsync(OperatorAccount account, string action, int status, CancellationToken cancellationToken) =>
        RecordAsync(account.Id.ToString(), account.Email, action, status, cancellationToken);

    private Task RecordAsync(string id, string email, string action, int status, CancellationToken cancellationToken) =>
        audit.RecordAsync(new Actor(Actor.OperatorKind, id, email, null, []), action, SignInResource, status, null, null, cancellationToken);
}

/// <summary>What Messaging's answer to a code check means, in the words the console shows.</summary>
public static class CodeChecks
{
    /// <param name="status">Messaging's status: approved, pending (a wrong code), max_attempts_reached or expired.</param>
    public static CodeOutcome Outcome(string status) => status switch
    {
        "approved" => CodeOutcome.SignedIn,
        "expired" => CodeOutcome.Expired,
        "max_attempts_reached" => CodeOutcome.TooManyWrong,
        _ => CodeOutcome.Wrong,
    };

    public static string Explain(CodeOutcome outcome) => outcome switch
    {
        CodeOutcome.Expired => "This code has expired. Send a new code.",
        CodeOutcome.TooManyWrong => "Too many wrong codes for this text. Send a new code and try again.",
        _ => "That code is not right. Check the text message and try again.",
    };

    /// <summary>The six digits of a code as typed (spaces and dashes dropped), or null.</summary>
    public static string? Read(string? typed)
    {
        var digits = new string([.. (typed ?? "").Where(char.IsAsciiDigit)]);
        return digits.Length == 6 && (typed ?? "").Length <= 20 ? digits : null;
    }
}
