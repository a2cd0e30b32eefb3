using System.Collections.Concurrent;
using System.Text.Json;
using Alle.Contracts;
using Alle.Profiles.Reading;
using StackExchange.Redis;

namespace Alle.Profiles.Caching;

/// <summary>What the cache knows for an identifier: the profile it pointed to, that profile's generation, and its document if cached.</summary>
internal sealed record CachedLookup(Guid ProfileId, long Generation, ProfileDocument? Document);

/// <summary>
/// Redis read-through cache of profile documents. Each profile has a generation counter; documents are stored under
/// their generation, and every committed change increments it. A reader takes the generation before it reads the
/// database, so a document read before a change can only be stored under the old generation, which nobody reads any
/// more: no stale read after an update, even when a read races the write. Identifier → profile pointers are hints,
/// checked against the document (which lists its identifiers). Redis being unavailable only costs speed.
/// Every invalidation is also published on <see cref="InvalidationChannel"/> for the instances' in-process layers
/// (<see cref="LocalProfileCache"/>), and applied to this instance's own layer once Redis has the new generation.
/// </summary>
internal sealed class ProfileCache(IConnectionMultiplexer redis, LocalProfileCache local, IConfiguration configuration, ILogger<ProfileCache> logger)
{
    public static readonly RedisChannel InvalidationChannel = RedisChannel.Literal("profiles:invalidated");

    private static readonly LuaScript s_read = LuaScript.Prepare("""
        local profile = redis.call('GET', @lookup)
        if not profile then return {} end
        local generation = redis.call('GET', 'profiles:gen:' .. profile) or '0'
        local document = redis.call('GET', 'profiles:doc:' .. profile .. ':' .. generation)
        if not document then return {profile, generation} end
        return {profile, generation, document}
        """);

    private readonly TimeSpan _documentTtl = configuration.GetValue("Profiles:Cache:DocumentTtl", TimeSpan.FromMinutes(10));
    private readonly TimeSpan _lookupTtl = configuration.GetValue("Profiles:Cache:LookupTtl", TimeSpan.FromHours(1));
    private readonly ConcurrentDictionary<Guid, byte> _pendingInvalidations = new();

    private IDatabase Database => redis.GetDatabase();

    public async Task<CachedLookup?> ReadAsync(Identifier identifier)
    {
        try
        {
            var result = (RedisResult[]?)await Database.ScriptEvaluateAsync(s_read, new { lookup = (RedisKey)LookupKey(identifier) });
            if (result is null || result.Length < 2 || !Guid.TryParse((string?)result[0], out var profileId))
            {
                return null;
            }
            var document = result.Length > 2 ? JsonSerializer.Deserialize<ProfileDocument>((string)result[2]!, JsonSerializerOptions.Web) : null;
            return new CachedLookup(profileId, (long)result[1], document);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or JsonException)
        {
            logger.LogWarning("Profile cache read failed ({Error}); reading the database", exception.GetType().Name);
            return null;
        }
    }

    /// <summary>The profile's current generation, or null when Redis cannot be reached (then nothing is cached).</summary>
    public async Task<long?> GenerationAsync(Guid profileId)
    {
        try
        {
            var value = await Database.StringGetAsync(GenerationKey(profileId));
            return value.IsNull ? 0 : (long)value;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            logger.LogWarning("Profile cache unavailable ({Error})", exception.GetType().Name);
            return null;
        }
    }

    public async Task StoreAsync(Identifier identifier, ProfileDocument document, long generation)
    {
        try
        {
            var batch = Database.CreateBatch();
            var lookup = batch.StringSetAsync(LookupKey(identifier), document.ProfileId.ToString(), _lookupTtl);
            var stored = batch.StringSetAsync($"profiles:doc:{document.ProfileId}:{generation}", JsonSerializer.Serialize(document, JsonSerializerOptions.Web), _documentTtl);
            batch.Execute();
            await Task.WhenAll(lookup, stored);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            logger.LogWarning("Profile cache write failed ({Error})", exception.GetType().Name);
        }
    }

    /// <summary>Invalidations Redis refused or timed out; retried with the next call, or by <see cref="RetryPendingInvalidationsAsync"/>.</summary>
    public bool HasPendingInvalidations => !_pendingInvalidations.IsEmpty;

    public Task RetryPendingInvalidationsAsync() => InvalidateAsync([]);

    /// <summary>Makes every cached document of these profiles unreachable. Failures are retried on the next call.</summary>
    public async Task InvalidateAsync(IEnumerable<Guid> profileIds)
    {
        var targets = profileIds.Concat(_pendingInvalidations.Keys).Distinct().ToList();
        if (targets.Count == 0)
        {
            return;
        }
        try
        {
            var batch = Database.CreateBatch();
            var increments = targets.Select(id => batch.StringIncrementAsync(GenerationKey(id))).ToList();
            var published = batch.PublishAsync(InvalidationChannel, CacheInvalidationListener.Encode(targets));
            batch.Execute();
            await Task.WhenAll(increments.Append(published));
            foreach (var id in targets)
            {
                _pendingInvalidations.TryRemove(id, out _);
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            foreach (var id in targets)
            {
                _pendingInvalidations.TryAdd(id, 0);
            }
            logger.LogWarning("Profile cache invalidation of {Count} profiles failed ({Error}); will retry", targets.Count, exception.GetType().Name);
        }
        finally
        {
            // After Redis: a read of this instance that got the old generation from Redis is refused or dropped here.
            local.Invalidate(targets);
        }
    }

    /// <summary>Drops identifier → profile pointers (after an unmerge or a deletion moved or removed identifiers).</summary>
    public async Task ForgetAsync(IEnumerable<Identifier> identifiers)
    {
        var forgotten = identifiers.ToList();
        local.Forget(forgotten);
        var keys = forgotten.Select(identifier => (RedisKey)LookupKey(identifier)).ToArray();
        if (keys.Length == 0)
        {
            return;
        }
        try
        {
            await Database.KeyDeleteAsync(keys);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            logger.LogWarning("Profile cache pointer removal failed ({Error}); documents are checked against their identifiers anyway", exception.GetType().Name);
        }
    }

    private static string GenerationKey(Guid profileId) => $"profiles:gen:{profileId}";

    // Identifier values (phones, e-mails) never appear in keys in clear.
    private static string LookupKey(Identifier identifier) =>
        "profiles:id:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{identifier.Type}\u0001{identifier.Value}")));
}
