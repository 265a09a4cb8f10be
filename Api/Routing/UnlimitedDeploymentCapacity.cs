namespace AspireAoai.Api.Routing;

internal sealed class UnlimitedDeploymentCapacity : IDeploymentCapacity
{
    public bool HasCapacity(Deployment deployment, GatewayRequest request) => true;
}
