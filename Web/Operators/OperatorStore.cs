using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Web.Operators;

/// <summary>The <c>operators</c> table in operatorsdb.</summary>
public sealed class OperatorStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, email, role, password_hash, failed_attempts, locked_until, disabled_at, created_at, last_sign_in_at, phone, second_factor";

    public async Task<bool> AnyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM operators)", cancellationToken);
    }

    public async Task<OperatorAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM operators WHERE email = $1", cancellationToken, email)).FirstOrDefault();

    public async Task<OperatorAccount?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM operators WHERE id = $1", cancellationToken, id)).FirstOrDefault();

    public Task<List<OperatorAccount>> ListAsync(CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM operators ORDER BY email", cancellationToken);

    /// <summary>Adds an operator; false when the e-mail is taken.</summary>
    public async Task<bool> CreateAsync(OperatorAccount account, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync("""
            INSERT INTO operators (id, email, role, password_hash) VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING
            """, cancellationToken, account.Id, account.Email, account.Role, account.PasswordHash) == 1;
    }

    /// <summary>Adds the first operator only while there is none (two bootstraps at once make one owner).</summary>
    public async Task<bool> CreateFirstAsync(OperatorAccount account, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext('operators bootstrap'))", cancellationToken);
        var created = await connection.ExecuteAsync("""
            INSERT INTO operators (id, email, role, password_hash) SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM operators)
            """, cancellationToken, account.Id, account.Email, account.Role, account.PasswordHash) == 1;
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    public async Task RecordFailureAsync(Guid id, int failedAttempts, DateTimeOffset? lockedUntil, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE operators SET failed_attempts = $2, locked_until = $3 WHERE id = $1", cancellationToken,
            id, failedAttempts, lockedUntil is { } until ? until : null);
    }

    public async Task RecordSignInAsync(Guid id, DateTimeOffset at, string? rehashedPassword, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("""
            UPDATE operators SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = $2, password_hash = coalesce($3, password_hash) WHERE id = $1
            """, cancellationToken, id, at, Sql.Text(rehashedPassword));
    }

    /// <summary>Changes a role or disables an account; false when there is no such operator.</summary>
    public async Task<bool> UpdateAsync(Guid id, string? role, bool? disabled, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync("""
            UPDATE operators SET role = coalesce($2, role),
                disabled_at = CASE WHEN $3::boolean IS NULL THEN disabled_at WHEN $3 THEN coalesce(disabled_at, now()) ELSE NULL END
            WHERE id = $1
            """, cancellationToken, id, Sql.Text(role),
            new NpgsqlParameter { Value = (object?)disabled ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Boolean }) == 1;
    }

    /// <summary>Her proven phone; the second factor stays as it was (on, it now texts the new phone).</summary>
    public async Task SetPhoneAsync(Guid id, string phone, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE operators SET phone = $2 WHERE id = $1", cancellationToken, id, phone);
    }

    /// <summary>Turns the second factor on or off; false when it cannot be on (no phone) or there is no such operator.</summary>
    public async Task<bool> SetSecondFactorAsync(Guid id, bool on, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync("UPDATE operators SET second_factor = $2 WHERE id = $1 AND (NOT $2 OR phone IS NOT NULL)",
            cancellationToken, id, on) == 1;
    }

    /// <summary>An owner's reset: phone forgotten, second factor off.</summary>
    public async Task<bool> ResetSecondFactorAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync("UPDATE operators SET phone = NULL, second_factor = false WHERE id = $1", cancellationToken, id) == 1;
    }

    public async Task<int> CountActiveOwnersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (int)await connection.ScalarAsync<long>("SELECT count(*) FROM operators WHERE role = 'owner' AND disabled_at IS NULL", cancellationToken);
    }

    private async Task<List<OperatorAccount>> QueryAsync(string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ListAsync(sql, reader => new OperatorAccount(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
            reader.GetFieldValue<DateTimeOffset>(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
            reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetBoolean(10)), cancellationToken, values);
    }
}
