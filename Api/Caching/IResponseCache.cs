namespace AspireAoai.Api.Caching;

/// <summary>
/// Seam for the response cache: looked up after admission and before routing. When it answers, the request
/// never goes upstream. The caching feature replaces the default, which never answers.
/// </summary>
public interface IResponseCache
{
    /// <summary>Writes a cached response to the client and returns true, or returns false to go upstream.</summary>
    ValueTask<bool> TryServeAsync(GatewayRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Called once by <see cref="RequestCompletion"/> when the request has ended and its usage was reported: hands the
    /// answer a MISS copied to the cache writer (or frees the copy when it may not be stored).
    /// </summary>
    void Complete(GatewayRequest request);
}
