using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Alle.Web.Authentication;

/// <summary>
/// The state between the sign-in steps (phone → code → join), in an encrypted, time-limited cookie: the phone being
/// verified, and whether its code was approved. The join form trusts only this, never a phone posted by the browser.
/// </summary>
public sealed class SignInFlow(IDataProtectionProvider protection)
{
    public const string CookieName = ".alle.sign-in";
    private static readonly TimeSpan s_lifetime = TimeSpan.FromMinutes(15);
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("Alle.Web.SignInFlow").ToTimeLimitedDataProtector();

    public void Save(HttpContext context, SignInState state) =>
        context.Response.Cookies.Append(CookieName, _protector.Protect(JsonSerializer.Serialize(state), s_lifetime), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            MaxAge = s_lifetime,
        });

    public SignInState? Read(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<SignInState>(_protector.Unprotect(value));
        }
        catch (Exception exception) when (exception is System.Security.Cryptography.CryptographicException or JsonException)
        {
            return null;
        }
    }

    public void Clear(HttpContext context) => context.Response.Cookies.Delete(CookieName);
}

/// <param name="Phone">E.164.</param>
/// <param name="Verified">The code texted to <paramref name="Phone"/> was approved.</param>
/// <param name="VerificationId">The code's verification, to follow what became of its text.</param>
/// <param name="ProgramNumber">Where she texts START when texts to her number are stopped.</param>
public sealed record SignInState(string Phone, bool Verified, string? ReturnUrl, Guid? VerificationId = null, string? ProgramNumber = null);
