using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Auth.Entra;

/// <summary>
/// Validates an Entra ID access token with the JwtBearer handler (scheme <see cref="Scheme"/>): signature against the
/// tenant's signing keys (OIDC metadata through its ConfigurationManager: cached, refreshed, fetched again for a key id
/// it has not seen), lifetime, audience and issuer; then the tenant (<c>tid</c>) and the client mapping. Refusals say
/// what was wrong in a sentence; neither they nor the logs contain the token or its claims.
/// </summary>
internal sealed partial class EntraTokenAuthenticator
{
    /// <summary>The authentication scheme the JwtBearer handler is registered under.</summary>
    public const string Scheme = "EntraId";

    private readonly EntraClientMap _map;
    private readonly string _tenantId;
    private readonly string _audienceHint;
    private readonly ILogger<EntraTokenAuthenticator> _logger;

    public EntraTokenAuthenticator(EntraClientMap map, IOptions<GatewayAuthOptions> options, ILogger<EntraTokenAuthenticator> logger)
    {
        _map = map;
        var entra = options.Value.EntraId;
        _tenantId = entra.TenantId.Trim();
        _audienceHint = entra.Audiences.Count > 0 ? entra.Audiences[0] : "";
        _logger = logger;
    }

    public async ValueTask<ClientAuthResult> AuthenticateAsync(HttpContext context, string token)
    {
        AuthenticateResult result;
        try
        {
            result = await context.AuthenticateAsync(Scheme).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or IOException)
        {
            return MetadataUnavailable(ex);
        }

        if (!result.Succeeded)
        {
            return Refusal(result.Failure);
        }

        var principal = result.Principal!;
        if (!string.Equals(principal.FindFirst(EntraClaims.TenantId)?.Value, _tenantId, StringComparison.OrdinalIgnoreCase))
        {
            LogRefused(_logger, "wrong_tenant");
            return ClientAuthResult.Refused("The access token was issued for another tenant than the gateway's.", "invalid_tenant");
        }

        if (_map.Find(principal) is not { } client)
        {
            LogRefused(_logger, "client_not_mapped");
            return ClientAuthResult.Refused(
                "The access token is valid, but no gateway client is mapped to its object id, app id or roles (Gateway:Clients:{i}:EntraId).",
                "client_not_mapped");
        }

        return new ClientAuthResult(client, 0, null, null);
    }

    private ClientAuthResult Refusal(Exception? failure)
    {
        // The metadata (and so the signing keys) could not be fetched: not the caller's fault.
        if (failure is InvalidOperationException or HttpRequestException or IOException)
        {
            return MetadataUnavailable(failure);
        }

        var (code, message) = failure switch
        {
            SecurityTokenExpiredException => ("token_expired", "The access token has expired; get a new one."),
            SecurityTokenNotYetValidException => ("token_not_yet_valid", "The access token is not valid yet."),
            SecurityTokenInvalidAudienceException => ("invalid_audience",
                $"The access token is for another audience; request it for the gateway's app registration (scope '{_audienceHint}/.default')."),
            SecurityTokenInvalidIssuerException => ("invalid_issuer", "The access token was issued by another tenant or issuer than the gateway accepts."),
            SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => ("invalid_signature",
                "The access token's signature is not valid for the gateway's tenant."),
            _ => ("invalid_token", "The access token is not valid."),
        };
        LogRefused(_logger, code);
        return ClientAuthResult.Refused(message, code);
    }

    private ClientAuthResult MetadataUnavailable(Exception? failure)
    {
        LogMetadataUnavailable(_logger, failure?.GetType().Name ?? "unknown");
        return ClientAuthResult.Refused("The gateway cannot fetch its tenant's signing keys right now; please retry.",
            "entra_metadata_unavailable", StatusCodes.Status503ServiceUnavailable);
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Refused an Entra ID token: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Entra ID metadata or signing keys unavailable ({ErrorType}); tokens are refused with 503")]
    private static partial void LogMetadataUnavailable(ILogger logger, string errorType);
}
