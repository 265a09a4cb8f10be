using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace AspireAoai.Worker.Usage;

/// <summary>
/// A Redis stream entry id, <c>{ms}-{seq}</c>: ordered, and its first part is the time the entry was added.
/// </summary>
public readonly record struct StreamId(long Milliseconds, long Sequence) : IComparable<StreamId>
{
    public static readonly StreamId Zero = new(0, 0);

    /// <summary>The smallest id greater than this one.</summary>
    public StreamId Next => Sequence == long.MaxValue ? new(Milliseconds + 1, 0) : new(Milliseconds, Sequence + 1);

    public static StreamId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"'{value}' is not a stream id.");

    public static bool TryParse([NotNullWhen(true)] string? value, out StreamId id)
    {
        id = default;
        if (value is null) return false;
        var dash = value.IndexOf('-');
        if (dash <= 0) return false;
        if (!long.TryParse(value.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || !long.TryParse(value.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return false;
        }

        id = new StreamId(ms, seq);
        return true;
    }

    public int CompareTo(StreamId other)
    {
        var c = Milliseconds.CompareTo(other.Milliseconds);
        return c != 0 ? c : Sequence.CompareTo(other.Sequence);
    }

    public static bool operator <(StreamId a, StreamId b) => a.CompareTo(b) < 0;
    public static bool operator >(StreamId a, StreamId b) => a.CompareTo(b) > 0;
    public static bool operator <=(StreamId a, StreamId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(StreamId a, StreamId b) => a.CompareTo(b) >= 0;

    public static StreamId Min(StreamId a, StreamId b) => a <= b ? a : b;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");
}
