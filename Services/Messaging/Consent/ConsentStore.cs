using System.Security.Cryptography;
using System.Text;
using Alle.Messaging.Sending;
using Npgsql;

namespace Alle.Messaging.Consent;

internal static class ConsentCategory
{
    public const string Transactional = "transactional";
    public const string Marketing = "marketing";

    public static readonly IReadOnlyList<string> All = [Transactional, Marketing];

    public static string Of(MessageCategory category) => category == MessageCategory.Marketing ? Marketing : Transactional;

    public static bool IsKnown(string? category) => category is Transactional or Marketing;
}

/// <summary>One change of a number's subscription to a category: who or what changed it, when, and the proof.</summary>
internal sealed record ConsentChange(string Phone, string Category, bool Subscribed, string Source, string? Evidence, DateTimeOffset At, string? DedupeKey = null);

internal sealed record ConsentRecord(string Category, bool Subscribed, string Source, string? Evidence, DateTimeOffset ChangedAt);

internal sealed record ConsentAuditEntry(string Category, bool Subscribed, string Source, string? Evidence, DateTimeOffset At);

/// <summary>
/// Subscription state per phone and category with its full audit trail. The latest change by time wins, so an old
/// enrolment delivered late never overrides a newer STOP; every change is kept in the audit trail regardless.
/// </summary>
internal sealed class ConsentStore(NpgsqlDataSource dataSource, IConfiguration configuration)
{
    public async Task<ConsentState> GetStateAsync(string phone, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT category, subscribed FROM consents WHERE phone = @phone;
            SELECT EXISTS (SELECT 1 FROM suppressions WHERE phone_hash = @hash);
            """);
        command.Parameters.AddWithValue("phone", phone);
        command.Parameters.AddWithValue("hash", SuppressionHash(phone));
        bool? transactional = null, marketing = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetString(0) == ConsentCategory.Marketing)
            {
                marketing = reader.GetBoolean(1);
            }
            else
            {
                transactional = reader.GetBoolean(1);
            }
        }
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ConsentState(transactional, marketing, reader.GetBoolean(0));
    }

    /// <summary>The state of many numbers in one round trip (a number with no consent recorded has neither category).</summary>
    public async Task<IReadOnlyDictionary<string, ConsentState>> GetStatesAsync(IReadOnlyCollection<string> phones, CancellationToken cancellationToken)
    {
        var states = phones.Distinct(StringComparer.Ordinal).ToDictionary(phone => phone, _ => new ConsentState(null, null, false), StringComparer.Ordinal);
        if (states.Count == 0)
        {
            return states;
        }
        var hashes = states.Keys.ToDictionary(SuppressionHash, phone => phone, StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand("""
            SELECT phone, category, subscribed FROM consents WHERE phone = ANY(@phones);
            SELECT phone_hash FROM suppressions WHERE phone_hash = ANY(@hashes);
            """);
        command.Parameters.AddWithValue("phones", states.Keys.ToArray());
        command.Parameters.AddWithValue("hashes", hashes.Keys.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var phone = reader.GetString(0);
            states[phone] = reader.GetString(1) == ConsentCategory.Marketing
                ? states[phone] with { Marketing = reader.GetBoolean(2) }
                : states[phone] with { Transactional = reader.GetBoolean(2) };
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var phone = hashes[reader.GetString(0)];
            states[phone] = states[phone] with { Suppressed = true };
        }
        return states;
    }

    public async Task ApplyAsync(IReadOnlyList<ConsentChange> changes, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ApplyAsync(connection, transaction, changes, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Records the changes, announces the members of the numbers and wakes journey entries waiting for them (see <see cref="MemberReachability"/>).</summary>
    public static async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ConsentChange> changes, CancellationToken cancellationToken)
    {
        foreach (var change in changes)
        {
            await using var command = new NpgsqlCommand("""
                WITH audit AS (
                    INSERT INTO consent_audit (phone, category, subscribed, source, evidence, at, dedupe_key)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)
                    ON CONFLICT (dedupe_key) DO NOTHING
                    RETURNING 1
                )
                INSERT INTO consents (phone, category, subscribed, source, evidence, changed_at)
                SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM audit)
                ON CONFLICT (phone, category) DO UPDATE
                    SET subscribed = EXCLUDED.subscribed, source = EXCLUDED.source, evidence = EXCLUDED.evidence, changed_at = EXCLUDED.changed_at
                    WHERE consents.changed_at <= EXCLUDED.changed_at
                """, connection, transaction);
            command.Parameters.AddWithValue(change.Phone);
            command.Parameters.AddWithValue(change.Category);
            command.Parameters.AddWithValue(change.Subscribed);
            command.Parameters.AddWithValue(change.Source);
            command.Parameters.AddWithValue((object?)change.Evidence ?? DBNull.Value);
            command.Parameters.AddWithValue(change.At);
            command.Parameters.AddWithValue((object?)change.DedupeKey ?? DBNull.Value);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await MemberReachability.AnnounceAsync(connection, changes.Select(change => change.Phone).Distinct().ToList(),
            TimeProvider.System.GetUtcNow(), cancellationToken);
    }

    public async Task<(IReadOnlyList<ConsentRecord> Current, IReadOnlyList<ConsentAuditEntry> Audit)> ReadAsync(string phone, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT category, subscribed, source, evidence, changed_at FROM consents WHERE phone = @phone ORDER BY category;
            SELECT category, subscribed, source, evidence, at FROM consent_audit WHERE phone = @phone ORDER BY at DESC, id DESC LIMIT 200;
            """);
        command.Parameters.AddWithValue("phone", phone);
        var current = new List<ConsentRecord>();
        var audit = new List<ConsentAuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            current.Add(new ConsentRecord(reader.GetString(0), reader.GetBoolean(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            audit.Add(new ConsentAuditEntry(reader.GetString(0), reader.GetBoolean(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return (current, audit);
    }

    /// <summary>A keyed hash of the number: enough to recognise it again, not to recover it from a table dump alone.</summary>
    public string SuppressionHash(string phone)
    {
        var key = Encoding.UTF8.GetBytes(configuration["Messaging:SuppressionKey"] ?? "alle-messaging-suppression-v1");
        return Convert.ToHexString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(phone))).ToLowerInvariant();
    }
}
