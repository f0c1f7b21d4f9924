using System.Text;

namespace Gyre.Redis;

/// <summary>
/// Picks a shard for a channel with Lamping and Veach's jump consistent hash over the 64-bit FNV-1a hash of the
/// channel's UTF-8 bytes, as Centrifugo does, so Gyre and Centrifugo agree on which shard owns a channel. Growing
/// from n to n + 1 shards moves only 1/(n + 1) of the channels.
/// </summary>
internal static class ConsistentHash
{
    private const ulong FnvOffsetBasis = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    /// <summary>The bucket in [0, <paramref name="buckets"/>) that owns <paramref name="key"/>.</summary>
    public static int Index(string key, int buckets)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(buckets);
        if (buckets == 1)
        {
            return 0;
        }

        var hash = Fnv1a64(key);
        long bucket = -1, next = 0;
        while (next < buckets)
        {
            bucket = next;
            hash = unchecked((hash * 2862933555777941757UL) + 1);
            next = (long)((bucket + 1) * ((double)(1L << 31) / ((hash >> 33) + 1)));
        }

        return (int)bucket;
    }

    private static ulong Fnv1a64(string key)
    {
        Span<byte> stack = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(key.Length) <= stack.Length ? stack : new byte[Encoding.UTF8.GetByteCount(key)];
        var length = Encoding.UTF8.GetBytes(key, bytes);
        var hash = FnvOffsetBasis;
        foreach (var b in bytes[..length])
        {
            hash = unchecked((hash ^ b) * FnvPrime);
        }

        return hash;
    }
}
