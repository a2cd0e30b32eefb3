using System.Security.Cryptography;
using System.Text;
using Alle.Platform.Audit;
using Alle.Platform.Authorization;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Web.Operators;

/// <summary>An API key as listed: never the key itself, only its last four characters.</summary>
public sealed record ApiKeyInfo(Guid Id, string Name, string[] Scopes, string LastFour, string CreatedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>
/// Named, scoped keys for programs: <c>alle_{64 hex}</c> (256 random bits), shown once when created and stored only as
/// their SHA-256. The gateway exchanges a key for a short operator token (<see cref="ExchangeAsync"/>), which is how the
/// services' admin APIs accept it; a revoked key stops at the next request.
/// </summary>
public sealed class ApiKeys(NpgsqlDataSource dataSource, OperatorTokens tokens, AuditLog audit)
{
    public const string Prefix = "alle_";

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Scopes are permissions, or a role's name standing for its permissions.</summary>
    public static string[]? ReadScopes(IEnumerable<string> scopes)
    {
        var permissions = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            if (OperatorRoles.IsKnown(scope))
            {
                permissions.UnionWith(OperatorRoles.PermissionsOf(scope));
            }
            else if (Permissions.IsKnown(scope))
            {
                permissions.Add(scope);
            }
            else
            {
                return null;
            }
        }
        return permissions.Count == 0 ? null : [.. permissions];
    }

    public async Task<(ApiKeyInfo Info, string Key)> CreateAsync(Actor by, string name, string[] scopes, CancellationToken cancellationToken)
    {
        var createdBy = by.Name;
        var key = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var info = new ApiKeyInfo(Guid.CreateVersion7(), name, scopes, key[^4..], createdBy, DateTimeOffset.UtcNow, null, null);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("""
            INSERT INTO api_keys (id, name, scopes, key_hash, last_four, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, cancellationToken, info.Id, name, scopes, Hash(key), info.LastFour, createdBy, info.CreatedAt);
        await audit.RecordAsync(by, "create API key", $"api-keys/{info.Id}", 201, null,
            System.Text.Json.JsonSerializer.Serialize(new { name, scopes, lastFour = info.LastFour }), cancellationToken);
        return (info, key);
    }

    public async Task<List<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ListAsync("""
            SELECT id, name, scopes, last_four, created_by, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at DESC
            """, reader => new ApiKeyInfo(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetString(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7)), cancellationToken);
    }

    /// <summary>Revokes a key; false when there is no such key or it was revoked already.</summary>
    public async Task<bool> RevokeAsync(Actor by, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var revoked = await connection.ListAsync("UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING name",
            reader => reader.GetString(0), cancellationToken, id);
        if (revoked is [var name])
        {
            await audit.RecordAsync(by, "revoke API key", $"api-keys/{id}", 200, System.Text.Json.JsonSerializer.Serialize(new { name }), null, cancellationToken);
        }
        return revoked.Count == 1;
    }

    /// <summary>A short operator token for a valid key (its last use recorded), or null for an unknown or revoked one.</summary>
    public async Task<string?> ExchangeAsync(string key, CancellationToken cancellationToken)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length > 100)
        {
            return null;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var found = await connection.ListAsync("""
            UPDATE api_keys SET last_used_at = now() WHERE key_hash = $1 AND revoked_at IS NULL RETURNING id, name, scopes
            """, reader => (Id: reader.GetGuid(0), Name: reader.GetString(1), Scopes: reader.GetFieldValue<string[]>(2)), cancellationToken, Hash(key));
        return found is [var apiKey]
            ? tokens.Create(new Actor(Actor.ApiKeyKind, apiKey.Id.ToString(), apiKey.Name, null, apiKey.Scopes.Where(Permissions.IsKnown).ToArray()),
                TimeSpan.FromMinutes(1))
            : null;
    }
}
