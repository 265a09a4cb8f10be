using AspireAoai.Api.Auth.Entra;
using Microsoft.Net.Http.Headers;

namespace AspireAoai.Api.Auth;

/// <summary>
/// Who is calling: a gateway key (hash lookup, <see cref="IClientAuthenticator"/>) or, when <c>Gateway:EntraId</c> is
/// enabled, an Entra ID access token. Only a Bearer value shaped like a JWT (three base64url parts, the first starting
/// <c>eyJ</c>) is validated as a token; an <c>api-key</c> header or any other Bearer value stays on the key path, which
/// pays nothing for the token path (no parsing, no allocation).
/// </summary>
public sealed class ClientAuthentication
{
    private readonly IClientAuthenticator _keys;
    private readonly EntraTokenAuthenticator? _tokens;

    internal ClientAuthentication(IClientAuthenticator keys, EntraTokenAuthenticator? tokens)
    {
        _keys = keys;
        _tokens = tokens;
    }

    /// <summary>The client, or the refusal: 401 for a missing or unknown key, or a token that is not valid or not mapped.</summary>
    public ValueTask<ClientAuthResult> AuthenticateAsync(HttpContext context)
    {
        if (_tokens is not null && BearerJwt(context.Request) is { } token)
        {
            return _tokens.AuthenticateAsync(context, token);
        }

        return new ValueTask<ClientAuthResult>(_keys.Authenticate(context.Request) is { } client
            ? new ClientAuthResult(client, 0, null, null)
            : ClientAuthResult.BadKey);
    }

    /// <summary>The Bearer value when it has a JWT's shape and no <c>api-key</c> header is sent; else null.</summary>
    internal static string? BearerJwt(HttpRequest request)
    {
        var headers = request.Headers;
        if (headers.ContainsKey("api-key"))
        {
            return null;
        }

        var authorization = headers[HeaderNames.Authorization];
        if (authorization.Count != 1 || authorization[0] is not { Length: > 7 + 3 } value
            || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value.AsSpan(7).Trim();
        return token.StartsWith("eyJ", StringComparison.Ordinal) && token.Count('.') == 2 ? token.ToString() : null;
    }
}

/// <summary>An authentication's outcome: the client, or the status, message and code of the refusal.</summary>
public readonly record struct ClientAuthResult(ClientContext? Client, int Status, string? Message, string? Code)
{
    /// <summary>A missing or unknown gateway key.</summary>
    internal static ClientAuthResult BadKey { get; } = new(null, StatusCodes.Status401Unauthorized,
        "Incorrect or missing API key. Send the gateway key in the 'api-key' header or as 'Authorization: Bearer <key>'.", "invalid_api_key");

    internal static ClientAuthResult Refused(string message, string code, int status = StatusCodes.Status401Unauthorized)
        => new(null, status, message, code);
}
