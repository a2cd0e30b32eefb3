using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Alle.Platform.Authorization;

/// <summary>
/// Who is acting on an admin API when it is not the admin key itself: a signed-in operator (the console mints a token
/// per call) or an API key (the gateway exchanges the key for a token). A token is
/// <c>ot1.{base64url JSON}.{HMAC-SHA256}</c>, valid for minutes. Its signing key is derived from the admin key, which
/// every service already holds and which opens everything anyway, so no further secret has to be distributed.
/// </summary>
public sealed class OperatorTokens(IConfiguration configuration, TimeProvider clock)
{
    public const string Prefix = "ot1.";
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    private byte[] Key => HMACSHA256.HashData(
        Encoding.UTF8.GetBytes(configuration[AdminKeyConfiguration.Key] ?? throw new InvalidOperationException("Alle:AdminKey is missing.")),
        "alle operator tokens v1"u8);

    public string Create(Actor actor, TimeSpan? lifetime = null)
    {
        var payload = new TokenPayload(actor.Kind, actor.Id, actor.Name, actor.Role, actor.Permissions.ToArray(),
            clock.GetUtcNow().Add(lifetime ?? DefaultLifetime).ToUnixTimeSeconds());
        var body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
        return $"{Prefix}{body}.{Base64Url(HMACSHA256.HashData(Key, Encoding.ASCII.GetBytes(body)))}";
    }

    /// <summary>The actor the token speaks for, or null when it is malformed, forged or expired.</summary>
    public Actor? Validate(string? token)
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
        var expected = Base64Url(HMACSHA256.HashData(Key, Encoding.ASCII.GetBytes(parts[0])));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[1])))
        {
            return null;
        }
        try
        {
            var payload = JsonSerializer.Deserialize<TokenPayload>(Convert.FromBase64String(
                parts[0].Replace('-', '+').Replace('_', '/').PadRight((parts[0].Length + 3) / 4 * 4, '=')));
            return payload is not null && payload.Expires > clock.GetUtcNow().ToUnixTimeSeconds()
                ? new Actor(payload.Kind, payload.Id, payload.Name, payload.Role, payload.Permissions.Where(Permissions.IsKnown).ToArray())
                : null;
        }
        catch (Exception exception) when (exception is FormatException or JsonException)
        {
            return null;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record TokenPayload(string Kind, string Id, string Name, string? Role, string[] Permissions, long Expires);
}

/// <summary>Who acts: <see cref="Kind"/> is <c>admin-key</c>, <c>operator</c> or <c>api-key</c>.</summary>
public sealed record Actor(string Kind, string Id, string Name, string? Role, IReadOnlyList<string> Permissions)
{
    public const string AdminKeyKind = "admin-key";
    public const string OperatorKind = "operator";
    public const string ApiKeyKind = "api-key";

    public static Actor AdminKey { get; } = new(AdminKeyKind, "admin", "admin key", OperatorRoles.Owner, Authorization.Permissions.All);

    public static Actor Operator(string id, string email, string role) => new(OperatorKind, id, email, role, OperatorRoles.PermissionsOf(role));
}

internal static class AdminKeyConfiguration
{
    public const string Key = "Alle:AdminKey";
}
