namespace AspireAoai.Api.Caching;

/// <summary>
/// Seam for the response cache: looked up after admission and before routing. When it answers, the request
/// never goes upstream. The caching feature replaces the default, which never answers.
/// </summary>
public interface IResponseCache
{
    /// <summary>Writes a cached response to the client and returns true, or returns false to go upstream.</summary>
    ValueTask<bool> TryServeAsync(GatewayRequest request, CancellationToken cancellationToken);
}
