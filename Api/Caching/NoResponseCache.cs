namespace AspireAoai.Api.Caching;

internal sealed class NoResponseCache : IResponseCache
{
    public ValueTask<bool> TryServeAsync(GatewayRequest request, CancellationToken cancellationToken) => ValueTask.FromResult(false);

    public void Complete(GatewayRequest request)
    {
    }
}
