namespace AspireAoai.Api.Routing;

/// <summary>
/// Seam for per-deployment capacity (TPM/RPM) in routing: a deployment without room is skipped like a cooling
/// one. The rate-limiting feature replaces the default, which has unlimited room.
/// </summary>
public interface IDeploymentCapacity
{
    /// <summary>True when <paramref name="deployment"/> can take <paramref name="request"/> now. Called on the hot path.</summary>
    bool HasCapacity(Deployment deployment, GatewayRequest request);
}
