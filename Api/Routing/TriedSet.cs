namespace AspireAoai.Api.Routing;

/// <summary>The pool indexes a request has tried, as a bit set (pools hold at most 64 deployments).</summary>
public readonly record struct TriedSet(ulong Bits)
{
    public bool Contains(int index) => (Bits & (1UL << index)) != 0;

    public TriedSet Add(int index) => new(Bits | (1UL << index));

    public TriedSet Remove(TriedSet other) => new(Bits & ~other.Bits);

    public bool IsEmpty => Bits == 0;
}
