using Alle.Platform.Audit;
using Alle.Platform.Authentication;
using Alle.Platform.Authorization;
using Microsoft.AspNetCore.Identity;

namespace Alle.Web.Operators;

/// <summary><see cref="SignInOutcome.CodeRequired"/>: the password was right and her second factor asks for a texted code next.</summary>
public enum SignInOutcome { SignedIn, Refused, Locked, CodeRequired }

public sealed record SignInResult(SignInOutcome Outcome, OperatorAccount? Account = null, DateTimeOffset? LockedUntil = null);

/// <summary>
/// Operators' sign-in, the owner's bootstrap and account changes, each written to the audit log (sign-ins and failed
/// sign-ins too). Passwords are checked with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>.
/// </summary>
public sealed class OperatorAccounts(OperatorStore store, AuditLog audit, IConfiguration configuration, TimeProvider clock)
{
    public const string BootstrapConfigurationKey = "Console:Bootstrap";

    private static readonly PasswordHasher<OperatorAccount> s_hasher = new();
    // Compared against when the e-mail is unknown, so a refusal takes as long whether or not the account exists.
    private static readonly string s_decoyHash = s_hasher.HashPassword(null!, Guid.NewGuid().ToString());

    /// <summary>Whether the admin key may still open the console and create the first owner (on unless configured off).</summary>
    public bool BootstrapEnabled => configuration.GetValue(BootstrapConfigurationKey, defaultValue: true);

    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    public async Task<SignInResult> SignInAsync(string email, string password, CancellationToken cancellationToken)
    {
        var normalized = NormalizeEmail(email);
        var account = await store.FindByEmailAsync(normalized, cancellationToken);
        var now = clock.GetUtcNow();
        if (account is null || account.DisabledAt is not null)
        {
            s_hasher.VerifyHashedPassword(null!, s_decoyHash, password);
            await RecordAsync(Actor.OperatorKind, account?.Id.ToString() ?? "", normalized, "sign-in failed", 401, cancellationToken);
            return new SignInResult(SignInOutcome.Refused);
        }
        if (account.IsLocked(now))
        {
            await RecordAsync(Actor.OperatorKind, account.Id.ToString(), account.Email, "sign-in refused: locked", 423, cancellationToken);
            return new SignInResult(SignInOutcome.Locked, LockedUntil: account.LockedUntil);
        }
        var verification = s_hasher.VerifyHashedPassword(account, account.PasswordHash, password);
        if (verification == PasswordVerificationResult.Failed)
        {
            var (failures, lockedUntil) = Lockout.AfterFailure(account.FailedAttempts, now);
            await store.RecordFailureAsync(account.Id, failures, lockedUntil, cancellationToken);
            await RecordAsync(Actor.OperatorKind, account.Id.ToString(), account.Email, lockedUntil is null ? "sign-in failed" : "sign-in failed: locked", 401,
                cancellationToken);
            return lockedUntil is null ? new SignInResult(SignInOutcome.Refused) : new SignInResult(SignInOutcome.Locked, LockedUntil: lockedUntil);
        }
        var rehashed = verification == PasswordVerificationResult.SuccessRehashNeeded ? s_hasher.HashPassword(account, password) : null;
        if (account.NeedsCode)
        {
            // The failure count is left as it is until the code is right too: wrong codes add to it.
            await RecordAsync(Actor.OperatorKind, account.Id.ToString(), account.Email, "sign-in: password accepted, code required", 202, cancellationToken);
            return new SignInResult(SignInOutcome.CodeRequired, account);
        }
        await store.RecordSignInAsync(account.Id, now, rehashed, cancellationToken);
        await RecordAsync(Actor.OperatorKind, account.Id.ToString(), account.Email, "sign-in", 200, cancellationToken);
        return new SignInResult(SignInOutcome.SignedIn, account);
    }

    /// <summary>The admin key signs in as the owner of everything, while bootstrap is on.</summary>
    public async Task<bool> SignInWithAdminKeyAsync(string adminKey, CancellationToken cancellationToken)
    {
        var valid = BootstrapEnabled && AdminKeyAuthentication.KeysMatch(adminKey, configuration[AdminKeyAuthentication.ConfigurationKey]!);
        await RecordAsync(Actor.AdminKeyKind, "admin", "admin key", valid ? "sign-in" : "sign-in failed", valid ? 200 : 401, cancellationToken);
        return valid;
    }

    /// <summary>Creates the first owner with the admin key; null when it is refused (wrong key, bootstrap off, an operator exists).</summary>
    public async Task<OperatorAccount?> BootstrapOwnerAsync(string adminKey, string email, string password, CancellationToken cancellationToken)
    {
        if (!BootstrapEnabled || !AdminKeyAuthentication.KeysMatch(adminKey, configuration[AdminKeyAuthentication.ConfigurationKey]!))
        {
            await RecordAsync(Actor.AdminKeyKind, "admin", "admin key", "bootstrap refused", 401, cancellationToken);
            return null;
        }
        var account = NewAccount(email, OperatorRoles.Owner, password);
        if (!await store.CreateFirstAsync(account, cancellationToken))
        {
            return null;
        }
        await audit.RecordAsync(Actor.AdminKey, "create owner (bootstrap)", $"operators/{account.Id}", 201, null, $$"""{"email":"{{account.Email}}","role":"owner"}""",
            cancellationToken);
        return account;
    }

    /// <summary>Adds an operator; null when the e-mail is taken.</summary>
    public async Task<OperatorAccount?> CreateAsync(Actor by, string email, string role, string password, CancellationToken cancellationToken)
    {
        var account = NewAccount(email, role, password);
        if (!await store.CreateAsync(account, cancellationToken))
        {
            return null;
        }
        await audit.RecordAsync(by, "create operator", $"operators/{account.Id}", 201, null, $$"""{"email":"{{account.Email}}","role":"{{role}}"}""", cancellationToken);
        return account;
    }

    /// <summary>Changes an operator's role or disables it; the last active owner cannot be demoted or disabled.</summary>
    public async Task<string?> UpdateAsync(Actor by, Guid id, string? role, bool? disabled, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(id, cancellationToken) is not { } account)
        {
            return "There is no such operator.";
        }
        var losesOwner = account.Role == OperatorRoles.Owner && account.DisabledAt is null
            && ((role is not null && role != OperatorRoles.Owner) || disabled == true);
        if (losesOwner && await store.CountActiveOwnersAsync(cancellationToken) <= 1)
        {
            return "This is the last owner: make another operator an owner first.";
        }
        await store.UpdateAsync(id, role, disabled, cancellationToken);
        await audit.RecordAsync(by, disabled == true ? "disable operator" : disabled == false ? "enable operator" : "change operator role", $"operators/{id}", 200,
            $$"""{"email":"{{account.Email}}","role":"{{account.Role}}","disabled":{{(account.DisabledAt is not null ? "true" : "false")}}}""",
            $$"""{"role":"{{role ?? account.Role}}","disabled":{{(disabled ?? account.DisabledAt is not null ? "true" : "false")}}}""", cancellationToken);
        return null;
    }

    private static OperatorAccount NewAccount(string email, string role, string password)
    {
        var account = new OperatorAccount(Guid.CreateVersion7(), NormalizeEmail(email), role, "", 0, null, null, DateTimeOffset.UtcNow, null);
        return account with { PasswordHash = s_hasher.HashPassword(account, password) };
    }

    private Task RecordAsync(string kind, string id, string name, string action, int status, CancellationToken cancellationToken) =>
        audit.RecordAsync(new Actor(kind, id, name, null, []), action, "console/sign-in", status, null, null, cancellationToken);
}
