using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Alle.Messaging.Journeys;

/// <summary>The path a <c>random_split</c> sends an entry down, and the number that decided it.</summary>
internal sealed record PathChoice(SplitPath Path, double Bucket);

/// <summary>
/// Weighted random paths that are not random at all on a second look: the bucket is a hash of the entry id and the
/// step id, so an entry always takes the same path (after a retry, a redelivery or a crash), and two splits of one
/// journey are independent of each other.
/// </summary>
internal static class PathSelection
{
    public static PathChoice Choose(Guid entryId, string stepId, IReadOnlyList<SplitPath> paths)
    {
        if (paths.Count == 0 || paths.Sum(path => (long)path.Weight) <= 0)
        {
            throw new ArgumentException("A random split needs paths with positive weights.", nameof(paths));
        }
        var bucket = Bucket(entryId, stepId);
        var total = (double)paths.Sum(path => (long)path.Weight);
        var cumulative = 0.0;
        foreach (var path in paths)
        {
            cumulative += path.Weight;
            if (bucket < cumulative / total)
            {
                return new PathChoice(path, bucket);
            }
        }
        return new PathChoice(paths[^1], bucket);
    }

    /// <summary>A number in [0, 1) from the first 8 bytes of SHA-256(entry id ‖ step id).</summary>
    public static double Bucket(Guid entryId, string stepId)
    {
        Span<byte> input = stackalloc byte[16 + Encoding.UTF8.GetByteCount(stepId)];
        entryId.TryWriteBytes(input[..16], bigEndian: true, out _);
        Encoding.UTF8.GetBytes(stepId, input[16..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }
}
