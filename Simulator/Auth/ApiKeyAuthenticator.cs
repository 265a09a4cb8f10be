using System.Security.Cryptography;
using System.Text;
using AspireAoai.Simulator.Configuration;
using AspireAoai.Simulator.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AspireAoai.Simulator.Auth;

/// <summary>The outcome of checking a request's credentials.</summary>
public enum AuthResult
{
    Accepted,
    Missing,
    Invalid,
}

/// <summary>Checks the credentials of an Azure OpenAI call.</summary>
public interface IApiKeyAuthenticator
{
    AuthResult Authenticate(HttpRequest request);
}

/// <summary>
/// Accepts an <c>api-key</c> header (which must equal <c>Simulator:ApiKey</c> when one is configured) or any
/// <c>Authorization: Bearer</c> token: the simulator cannot validate Entra tokens, so it accepts them the way
/// a resource with managed identity enabled would accept a valid one.
/// </summary>
internal sealed class ApiKeyAuthenticator : IApiKeyAuthenticator
{
    private readonly byte[]? _expectedKey;

    public ApiKeyAuthenticator(IOptions<SimulatorOptions> options)
    {
        var key = options.Value.ApiKey;
        _expectedKey = string.IsNullOrEmpty(key) ? null : Encoding.UTF8.GetBytes(key);
    }

    public AuthResult Authenticate(HttpRequest request)
    {
        var apiKey = request.Headers[SimHeaders.ApiKey];
        if (apiKey.Count > 0)
        {
            var value = apiKey[0];
            if (string.IsNullOrEmpty(value))
            {
                return AuthResult.Missing;
            }

            return _expectedKey is null || Matches(value) ? AuthResult.Accepted : AuthResult.Invalid;
        }

        var authorization = request.Headers[HeaderNames.Authorization];
        if (authorization.Count > 0 && authorization[0] is { } header &&
            header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) &&
            header.AsSpan(7).Trim().Length > 0)
        {
            return AuthResult.Accepted;
        }

        return AuthResult.Missing;
    }

    private bool Matches(string value)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(value.Length) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(value, buffer)]
            : Encoding.UTF8.GetBytes(value);
        return CryptographicOperations.FixedTimeEquals(bytes, _expectedKey);
    }
}
