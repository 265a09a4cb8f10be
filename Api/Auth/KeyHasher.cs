using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace AspireAoai.Api.Auth;

/// <summary>
/// Hashes of keys, without allocating on the hot path: HMAC-SHA256 keyed with a secret pepper
/// (<c>Gateway:KeyHashPepper</c>) in deployments, plain SHA-256 when no pepper is configured (local development).
/// With a pepper, a leaked list of hashes (configuration, container args) cannot be checked against guessed keys
/// without the pepper, which is kept apart as a secret.
/// </summary>
public static class KeyHasher
{
    /// <summary>Longest key accepted; longer ones are rejected without hashing.</summary>
    public const int MaxKeyLength = 512;

    /// <summary>The SHA-256 of <paramref name="key"/> as lowercase hex, as stored in configuration without a pepper.</summary>
    public static string HashHex(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>
    /// The HMAC-SHA256 of <paramref name="key"/> keyed with <paramref name="pepper"/> (its UTF-8 bytes) as lowercase hex,
    /// as <c>printf '%s' "$KEY" | openssl dgst -sha256 -hmac "$PEPPER"</c> prints it; plain SHA-256 for an empty pepper.
    /// </summary>
    public static string HashHex(string key, string? pepper)
        => string.IsNullOrEmpty(pepper)
            ? HashHex(key)
            : Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(pepper), Encoding.UTF8.GetBytes(key)));

    /// <summary>Hashes <paramref name="key"/> into <paramref name="destination"/> (32 bytes) with plain SHA-256.</summary>
    public static bool TryHash(ReadOnlySpan<char> key, Span<byte> destination) => TryHash(key, default, destination);

    /// <summary>
    /// Hashes <paramref name="key"/> into <paramref name="destination"/> (32 bytes): HMAC-SHA256 keyed with
    /// <paramref name="pepper"/>, or SHA-256 when it is empty.
    /// </summary>
    public static bool TryHash(ReadOnlySpan<char> key, ReadOnlySpan<byte> pepper, Span<byte> destination)
    {
        if (key.IsEmpty || key.Length > MaxKeyLength)
        {
            return false;
        }

        // Sized to the key (at most 3 UTF-8 bytes a UTF-16 unit), so a typical key zeroes ~100 bytes, not 1.5 KB.
        Span<byte> utf8 = stackalloc byte[key.Length * 3];
        var length = Encoding.UTF8.GetBytes(key, utf8);
        if (pepper.IsEmpty)
        {
            SHA256.HashData(utf8[..length], destination);
        }
        else
        {
            HMACSHA256.HashData(pepper, utf8[..length], destination);
        }

        CryptographicOperations.ZeroMemory(utf8[..length]);
        return true;
    }

    /// <summary>True when <paramref name="value"/> is 64 hex characters.</summary>
    public static bool IsHash(string? value)
        => value is { Length: 64 } && value.AsSpan().IndexOfAnyExcept(HexChars) < 0;

    internal static byte[] FromHex(string hex) => Convert.FromHexString(hex);

    private static readonly SearchValues<char> HexChars = SearchValues.Create("0123456789abcdefABCDEF");
}
