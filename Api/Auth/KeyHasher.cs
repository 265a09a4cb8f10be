using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace AspireAoai.Api.Auth;

/// <summary>SHA-256 of keys, without allocating on the hot path.</summary>
public static class KeyHasher
{
    /// <summary>Longest key accepted; longer ones are rejected without hashing.</summary>
    public const int MaxKeyLength = 512;

    /// <summary>The SHA-256 of <paramref name="key"/> as lowercase hex, as stored in configuration.</summary>
    public static string HashHex(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Hashes <paramref name="key"/> into <paramref name="destination"/> (32 bytes).</summary>
    public static bool TryHash(ReadOnlySpan<char> key, Span<byte> destination)
    {
        if (key.IsEmpty || key.Length > MaxKeyLength)
        {
            return false;
        }

        // Sized to the key (at most 3 UTF-8 bytes a UTF-16 unit), so a typical key zeroes ~100 bytes, not 1.5 KB.
        Span<byte> utf8 = stackalloc byte[key.Length * 3];
        var length = Encoding.UTF8.GetBytes(key, utf8);
        SHA256.HashData(utf8[..length], destination);
        CryptographicOperations.ZeroMemory(utf8[..length]);
        return true;
    }

    /// <summary>True when <paramref name="value"/> is 64 hex characters.</summary>
    public static bool IsHash(string? value)
        => value is { Length: 64 } && value.AsSpan().IndexOfAnyExcept(HexChars) < 0;

    internal static byte[] FromHex(string hex) => Convert.FromHexString(hex);

    private static readonly SearchValues<char> HexChars = SearchValues.Create("0123456789abcdefABCDEF");
}
