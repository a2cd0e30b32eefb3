using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Alle.Web.Operators;

/// <param name="OperatorId">Whose password was right.</param>
/// <param name="VerificationId">The code's verification at Messaging.</param>
public sealed record CodeChallenge(Guid OperatorId, string? ReturnUrl, Guid? VerificationId);

/// <param name="OperatorId">Who is proving the phone: the cookie is worth nothing to anyone else's session.</param>
/// <param name="Phone">E.164, the phone being proven; never shown whole again, never from a later form.</param>
public sealed record PhoneProof(Guid OperatorId, string Phone);

/// <summary>
/// State between two console steps in an encrypted, time-limited cookie under <c>/console</c>: the sign-in whose
/// password was right and that waits for the texted code (<see cref="CodeChallenge"/>), or the phone an operator is
/// proving (<see cref="PhoneProof"/>). Ten minutes, as long as a code lives.
/// </summary>
public sealed class ProtectedCookie<T>(IDataProtectionProvider protection) where T : class
{
    private static readonly TimeSpan s_lifetime = TimeSpan.FromMinutes(10);
    private static readonly string s_name = $".alle.console.{typeof(T).Name.ToLowerInvariant()}";
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector($"Alle.Web.Console.{typeof(T).Name}").ToTimeLimitedDataProtector();

    public void Save(HttpContext context, T state) =>
        context.Response.Cookies.Append(s_name, _protector.Protect(JsonSerializer.Serialize(state), s_lifetime), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            MaxAge = s_lifetime,
            Path = "/console",
        });

    public T? Read(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(s_name, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<T>(_protector.Unprotect(value));
        }
        catch (Exception exception) when (exception is System.Security.Cryptography.CryptographicException or JsonException)
        {
            return null;
        }
    }

    public void Clear(HttpContext context) => context.Response.Cookies.Delete(s_name, new CookieOptions { Path = "/console" });
}
