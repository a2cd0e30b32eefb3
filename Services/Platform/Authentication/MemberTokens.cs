using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alle.Platform.Authentication;

/// <summary>
/// Short-lived tokens that say "this request acts for member X": issued by the portal when a member signs in, checked
/// by the services that hold member data, so a member can only ever reach her own account. A token is
/// <c>mt1.{memberId, expiry as base64url}.{HMAC-SHA256 with Alle:MemberTokenKey}</c>, sent as <c>Authorization: Bearer</c>.
/// </summary>
public sealed class MemberTokens(IConfiguration configuration, TimeProvider clock)
{
    public const string ConfigurationKey = "Alle:MemberTokenKey";
    public const string Scheme = "MemberToken";
    public const string Policy = "member";
    public const string MemberIdClaim = "member_id";
    private const string Prefix = "mt1.";

    private byte[] Key => Encoding.UTF8.GetBytes(configuration[ConfigurationKey]
        ?? throw new InvalidOperationException($"Configuration key '{ConfigurationKey}' (environment variable Alle__MemberTokenKey) is missing."));

    public string Create(string memberId, TimeSpan lifetime)
    {
        var expires = clock.GetUtcNow().Add(lifetime).ToUnixTimeSeconds();
        var payload = Base64Url($"{memberId}|{expires}");
        return $"{Prefix}{payload}.{Base64Url(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(payload)))}";
    }

    /// <summary>The member the token speaks for, or null when it is malformed, forged or expired.</summary>
    public string? Validate(string? token)
    {
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var parts = token[Prefix.Length..].Split('.');
        if (parts.Length != 2)
        {
            return null;
        }
        var expected = Base64Url(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(parts[0])));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[1])))
        {
            return null;
        }
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parts[0].Replace('-', '+').Replace('_', '/').PadRight((parts[0].Length + 3) / 4 * 4, '=')));
        }
        catch (FormatException)
        {
            return null;
        }
        var separator = decoded.LastIndexOf('|');
        return separator > 0 && long.TryParse(decoded[(separator + 1)..], out var expires) && expires > clock.GetUtcNow().ToUnixTimeSeconds()
            ? decoded[..separator]
            : null;
    }

    private static string Base64Url(string text) => Base64Url(Encoding.UTF8.GetBytes(text));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public static class MemberTokenAuthentication
{
    /// <summary>Adds the member-token scheme and the <see cref="MemberTokens.Policy"/> policy; handlers compare the claim with the route's member.</summary>
    public static TBuilder AddMemberTokenAuthentication<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddSingleton<MemberTokens>();
        builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, Handler>(MemberTokens.Scheme, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(MemberTokens.Policy, policy => policy
            .AddAuthenticationSchemes(MemberTokens.Scheme).RequireAuthenticatedUser().RequireClaim(MemberTokens.MemberIdClaim));
        return builder;
    }

    /// <summary>The signed-in member of a request authorised with <see cref="MemberTokens.Policy"/>.</summary>
    public static string? MemberId(this ClaimsPrincipal user) => user.FindFirst(MemberTokens.MemberIdClaim)?.Value;

    private sealed class Handler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, MemberTokens tokens)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer mt1.", StringComparison.Ordinal))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }
            if (tokens.Validate(header[7..].Trim()) is not { } memberId)
            {
                return Task.FromResult(AuthenticateResult.Fail("The member token is not valid or has expired."));
            }
            var identity = new ClaimsIdentity([new Claim(MemberTokens.MemberIdClaim, memberId)], MemberTokens.Scheme);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), MemberTokens.Scheme)));
        }

        protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            await Results.Problem(statusCode: 401, title: "Sign-in required", detail: "Present a member token as 'Authorization: Bearer mt1.…'.").ExecuteAsync(Context);
        }
    }
}
