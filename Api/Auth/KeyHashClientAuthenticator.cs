using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AspireAoai.Api.Auth;

/// <summary>
/// Authenticates by the hash of the presented key (HMAC-SHA256 with <c>Gateway:KeyHashPepper</c>, or SHA-256 without one). The key comes from <c>api-key</c> (Azure SDKs) or
/// <c>Authorization: Bearer</c> (OpenAI SDKs). Every stored hash is compared, in constant time and without an
/// early exit, so timing says nothing about which client (if any) matched.
/// </summary>
internal sealed class KeyHashClientAuthenticator : IClientAuthenticator
{
    private readonly byte[][] _hashes;
    private readonly ClientContext[] _clients;
    private readonly byte[]? _adminHash;
    private readonly byte[] _pepper;

    public KeyHashClientAuthenticator(IOptions<GatewayAuthOptions> options)
    {
        var value = options.Value;
        _pepper = string.IsNullOrEmpty(value.KeyHashPepper) ? [] : System.Text.Encoding.UTF8.GetBytes(value.KeyHashPepper);
        _hashes = new byte[value.Clients.Count][];
        _clients = new ClientContext[value.Clients.Count];
        for (var i = 0; i < value.Clients.Count; i++)
        {
            _hashes[i] = KeyHasher.FromHex(value.Clients[i].KeyHash);
            _clients[i] = new ClientContext(value.Clients[i]);
        }

        _adminHash = string.IsNullOrEmpty(value.AdminKeyHash) ? null : KeyHasher.FromHex(value.AdminKeyHash);
    }

    public ClientContext? Authenticate(HttpRequest request)
    {
        Span<byte> hash = stackalloc byte[32];
        if (!TryHashPresentedKey(request, _pepper, hash))
        {
            return null;
        }

        ClientContext? match = null;
        for (var i = 0; i < _hashes.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, _hashes[i]))
            {
                match = _clients[i];
            }
        }

        return match;
    }

    public bool IsAdmin(HttpRequest request)
    {
        Span<byte> hash = stackalloc byte[32];
        return _adminHash is not null && TryHashPresentedKey(request, _pepper, hash) && CryptographicOperations.FixedTimeEquals(hash, _adminHash);
    }

    /// <summary>Reads the key from <c>api-key</c>, else from a Bearer authorization header, and hashes it.</summary>
    internal static bool TryHashPresentedKey(HttpRequest request, ReadOnlySpan<byte> pepper, Span<byte> hash)
    {
        var headers = request.Headers;
        var apiKey = headers["api-key"];
        if (apiKey.Count == 1 && !string.IsNullOrEmpty(apiKey[0]))
        {
            return KeyHasher.TryHash(apiKey[0].AsSpan().Trim(), pepper, hash);
        }

        var authorization = headers[HeaderNames.Authorization];
        if (authorization.Count == 1 && authorization[0] is { } value &&
            value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return KeyHasher.TryHash(value.AsSpan(7).Trim(), pepper, hash);
        }

        return false;
    }
}
