using System.Collections.Concurrent;
using Alle.Platform.Authentication;

namespace Alle.Web.Authentication;

/// <summary>
/// Member tokens for the services, minted here with the shared signing key and kept server-side: one per member,
/// reused until ten minutes before it expires, then replaced, so a long session never presents an expired token.
/// </summary>
public sealed class MemberTokenProvider(MemberTokens tokens, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    private static readonly TimeSpan s_renewBefore = TimeSpan.FromMinutes(10);
    private const int MaxCached = 10_000;
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset ExpiresAt)> _cache = new(StringComparer.Ordinal);

    public string TokenFor(string memberId)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(memberId, out var cached) && cached.ExpiresAt - s_renewBefore > now)
        {
            return cached.Token;
        }
        if (_cache.Count >= MaxCached)
        {
            foreach (var stale in _cache.Where(entry => entry.Value.ExpiresAt - s_renewBefore <= now).Select(entry => entry.Key).ToList())
            {
                _cache.TryRemove(stale, out _);
            }
            if (_cache.Count >= MaxCached)
            {
                _cache.Clear();
            }
        }
        var token = tokens.Create(memberId, Lifetime);
        _cache[memberId] = (token, now + Lifetime);
        return token;
    }

    public void Forget(string memberId) => _cache.TryRemove(memberId, out _);
}
