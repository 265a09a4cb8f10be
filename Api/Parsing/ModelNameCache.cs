using System.Text;

namespace AspireAoai.Api.Parsing;

/// <summary>
/// The <c>model</c> strings of request bodies, so a name sent again and again (clients use a handful) is not
/// allocated per request. Bounded: once full, further names are decoded as usual. Lock-free reads; a lost race
/// only decodes a name one more time.
/// </summary>
internal static class ModelNameCache
{
    /// <summary>Distinct names kept; clients name a few models, this bound only guards against a client cycling through many.</summary>
    internal const int Capacity = 32;

    /// <summary>Longest name kept (bytes); longer ones are rare and always decoded.</summary>
    internal const int MaxNameBytes = 128;

    private static readonly Entry?[] Entries = new Entry?[Capacity];
    private static readonly Lock Gate = new();
    private static int _count;

    /// <summary>The string for the UTF-8 <paramref name="utf8"/> (unescaped JSON string content).</summary>
    public static string Get(ReadOnlySpan<byte> utf8)
    {
        var count = Volatile.Read(ref _count);
        for (var i = 0; i < count; i++)
        {
            if (Entries[i] is { } entry && utf8.SequenceEqual(entry.Utf8))
            {
                return entry.Value;
            }
        }

        var value = Encoding.UTF8.GetString(utf8);
        if (utf8.Length <= MaxNameBytes && count < Capacity)
        {
            lock (Gate)
            {
                if (_count < Capacity)
                {
                    Entries[_count] = new Entry(utf8.ToArray(), value);
                    Volatile.Write(ref _count, _count + 1);
                }
            }
        }

        return value;
    }

    private sealed record Entry(byte[] Utf8, string Value);
}
