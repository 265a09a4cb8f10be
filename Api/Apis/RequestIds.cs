using System.Security.Cryptography;

namespace AspireAoai.Api.Apis;

/// <summary>
/// Request ids: 32 lowercase hex characters, a random 64-bit prefix drawn once per process and a 64-bit counter
/// starting at a random value. Unique across replicas (two processes share a prefix with probability 2^-64) without
/// asking the kernel for randomness on every request, as a random GUID does.
/// </summary>
internal static class RequestIds
{
    private static readonly ulong Prefix = Random64();
    private static long _counter = (long)Random64();

    public static string Next() => string.Create(32, (ulong)Interlocked.Increment(ref _counter), static (span, counter) =>
    {
        Prefix.TryFormat(span, out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
        counter.TryFormat(span[16..], out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
    });

    private static ulong Random64() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));
}
