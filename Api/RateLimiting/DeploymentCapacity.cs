using AspireAoai.Api.Routing;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Routing's view of per-deployment capacity: a deployment whose window (as last read from Redis by an admission of
/// this replica, plus this replica's charges since) has no room for the request is skipped, so load spreads to the
/// deployments that have room before Azure answers 429. Synchronous and allocation-free: it reads memory only.
/// </summary>
internal sealed class DeploymentCapacity(LimitCatalog catalog, TimeProvider time) : IDeploymentCapacity
{
    public bool HasCapacity(Deployment deployment, GatewayRequest request)
    {
        var limits = catalog.ForDeployment(deployment.Name);
        if (limits is null)
        {
            return true;
        }

        var tokens = request.Charge?.Tokens ?? 1;
        return limits.HasRoom(tokens, time.GetUtcNow().ToUnixTimeMilliseconds());
    }
}
