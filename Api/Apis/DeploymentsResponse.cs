using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Apis;

/// <summary>Body of <c>GET /admin/deployments</c>.</summary>
public sealed record DeploymentsResponse(DateTimeOffset Now, IReadOnlyList<DeploymentSnapshot> Deployments);
