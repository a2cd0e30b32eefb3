using System.Security.Cryptography;
using System.Text;
using Alle.Messaging.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Alle.Messaging.Sending;

/// <summary>
/// Counts marketing sends per member for the frequency cap: a Redis sorted set per member (score = send time) checked
/// and added to atomically, backed by <c>marketing_sends</c> in messagingdb, whose sends in the window join the set
/// before each check; if Redis is unreachable the table is counted under a per-member lock, so losing Redis never lets
/// an extra text through.
/// </summary>
internal sealed class FrequencyCapCounter(IConnectionMultiplexer redis, IOptions<MessagingOptions> options, ILogger<FrequencyCapCounter> logger)
{
    private const string ReserveScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        return 1
        """;

    public FrequencyCap Cap => new(options.Value.FrequencyCapLimit, options.Value.FrequencyCapWindow);

    /// <summary>Counts this send against the member's cap if the cap allows it; false when the member already had enough.</summary>
    public async Task<bool> TryReserveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string memberKey, Guid messageId, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var cap = Cap;
        var windowStart = now - cap.Window;
        bool allowed;
        try
        {
            allowed = await ReserveInRedisAsync(connection, transaction, memberKey, messageId, now, windowStart, cap, cancellationToken);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            logger.LogWarning("Redis unavailable for the frequency cap; counting message {MessageId} in the database", messageId);
            allowed = await CountInDatabaseAsync(connection, transaction, memberKey, now, windowStart, cap, cancellationToken);
        }
        if (allowed)
        {
            await using var record = new NpgsqlCommand(
                "INSERT INTO marketing_sends (message_id, member_key, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", connection, transaction);
            record.Parameters.AddWithValue(messageId);
            record.Parameters.AddWithValue(memberKey);
            record.Parameters.AddWithValue(now);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        return allowed;
    }

    /// <summary>Gives back a reservation for a message Twilio refused.</summary>
    public async Task ReleaseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string memberKey, Guid messageId, CancellationToken cancellationToken)
    {
        await using var delete = new NpgsqlCommand("DELETE FROM marketing_sends WHERE message_id = $1", connection, transaction);
        delete.Parameters.AddWithValue(messageId);
        await delete.ExecuteNonQueryAsync(cancellationToken);
        try
        {
            await redis.GetDatabase().SortedSetRemoveAsync(Key(memberKey), messageId.ToString());
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            logger.LogWarning("Redis unavailable releasing the cap reservation of message {MessageId}", messageId);
        }
    }

    private async Task<bool> ReserveInRedisAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string memberKey, Guid messageId,
        DateTimeOffset now, DateTimeOffset windowStart, FrequencyCap cap, CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        var key = Key(memberKey);
        // The table's sends join the set every time, not only when the key is missing: sends counted in the table while
        // Redis was down are not in a set that survived the outage (its append-only file keeps it), and without them the
        // set would let the member have more than the cap once Redis is back. Adding a send already there changes nothing.
        var previous = await ReadSendsAsync(connection, transaction, memberKey, windowStart, cancellationToken);
        if (previous.Count > 0)
        {
            await database.SortedSetAddAsync(key, [.. previous.Select(p => new SortedSetEntry(p.MessageId.ToString(), p.SentAt.ToUnixTimeMilliseconds()))]);
        }
        var result = await database.ScriptEvaluateAsync(ReserveScript, [key],
        [
            windowStart.ToUnixTimeMilliseconds(),
            now.ToUnixTimeMilliseconds(),
            cap.Limit,
            messageId.ToString(),
            (long)cap.Window.TotalMilliseconds,
        ]);
        return (int)result == 1;
    }

    private static async Task<bool> CountInDatabaseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string memberKey, DateTimeOffset now,
        DateTimeOffset windowStart, FrequencyCap cap, CancellationToken cancellationToken)
    {
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('cap:' || $1))", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue(memberKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        var previous = await ReadSendsAsync(connection, transaction, memberKey, windowStart, cancellationToken);
        return cap.Allows(previous.Select(p => p.SentAt), now);
    }

    private static async Task<List<(Guid MessageId, DateTimeOffset SentAt)>> ReadSendsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string memberKey, DateTimeOffset windowStart, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT message_id, sent_at FROM marketing_sends WHERE member_key = $1 AND sent_at > $2", connection, transaction);
        command.Parameters.AddWithValue(memberKey);
        command.Parameters.AddWithValue(windowStart);
        var sends = new List<(Guid, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sends.Add((reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }
        return sends;
    }

    /// <summary>Redis keys carry a hash of the member key, never a phone number.</summary>
    private static RedisKey Key(string memberKey) =>
        "messaging:cap:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(memberKey)))[..32].ToLowerInvariant();
}
