using AspireAoai.Api.Parsing;

namespace AspireAoai.Api.Caching;

/// <summary>
/// Remembers the keys of recent request bodies, so a body sent again (the same prompt: what a cache hit is) is hashed
/// and compared byte for byte instead of parsed, sorted and re-encoded into its canonical form. Exact: a hit is the
/// key <see cref="CacheKey"/> computed for those very bytes, operation and pool model. Direct-mapped and lock-free, as
/// <see cref="RateLimiting.TokenCountMemo"/>: a slot holds one immutable entry, replaced whole by the last writer; bodies
/// longer than <see cref="MaxLength"/> are not kept, which bounds the memory to about Slots x MaxLength bytes (8 MiB).
/// </summary>
internal sealed class CacheKeyMemo
{
    internal const int Slots = 512;
    internal const int MaxLength = 16 * 1024;

    private readonly Entry?[] _entries = new Entry?[Slots];

    /// <summary>The key of <paramref name="body"/>, from memory when it was computed before, else by <paramref name="compute"/>.</summary>
    public string GetOrCompute(OperationKind operation, string poolModel, ReadOnlySpan<byte> body,
        Func<OperationKind, string, ReadOnlySpan<byte>, string> compute)
    {
        if (body.Length > MaxLength)
        {
            return compute(operation, poolModel, body);
        }

        var hashCode = new HashCode();
        hashCode.Add(operation);
        hashCode.Add(poolModel);
        hashCode.AddBytes(body);
        var hash = hashCode.ToHashCode();
        ref var slot = ref _entries[hash & (Slots - 1)];
        var entry = Volatile.Read(ref slot);
        if (entry is not null && entry.Hash == hash && entry.Operation == operation
            && string.Equals(entry.Model, poolModel, StringComparison.Ordinal) && body.SequenceEqual(entry.Body))
        {
            return entry.Key;
        }

        // A copy: the body lives in a pooled buffer that the next request reuses.
        var copy = body.ToArray();
        var key = compute(operation, poolModel, copy);
        Volatile.Write(ref slot, new Entry(hash, operation, poolModel, copy, key));
        return key;
    }

    private sealed record Entry(int Hash, OperationKind Operation, string Model, byte[] Body, string Key);
}
