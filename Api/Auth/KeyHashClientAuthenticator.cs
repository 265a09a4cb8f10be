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
    private readonly ClientContext[] _all;
    private readonly byte[]? _adminHash;
    private readonly byte[] _pepper;

    public KeyHashClientAuthenticator(IOptions<GatewayAuthOptions> options)
    {
        var value = options.Value;
        _pepper = string.IsNullOrEmpty(value.KeyHashPepper) ? [] : System.Text.Encoding.UTF8.GetBytes(value.KeyHashPepper);
        _all = new ClientContext[value.Clients.Count];
        var hashes = new List<byte[]>(value.Clients.Count);
        var keyed = new List<ClientContext>(value.Clients.Count);
        for (var i = 0; i < value.Clients.Count; i++)
        {
            _all[i] = new ClientContext(value.Clients[i]);
            // A client reached only with Entra ID tokens has no key.
            if (!string.IsNullOrEmpty(value.Clients[i].KeyHash))
            {
                hashes.Add(KeyHasher.FromHex(value.Clients[i].KeyHash));
                keyed.Add(_all[i]);
            }
        }

        _hashes = [.. hashes];
        _clients = [.. keyed];

        _adminHash = string.IsNullOrEmpty(value.AdminKeyHash) ? null : KeyHasher.FromHex(value.AdminKeyHash);
    }

    /// <summary>Every configured client, in configuration order, with or without a key.</summary>
    internal IReadOnlyList<ClientContext> Clients => _all;

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
