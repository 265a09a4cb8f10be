namespace AspireAoai.AppHost.Infrastructure;

/// <summary>
/// The Node Cosmos DB-compatible server (npm <c>@vercel/cosmosdb-server</c>) behind our launcher, which installs its
/// packages on first run, keeps connections alive and answers a missing item with 404 as Cosmos DB does.
/// </summary>
internal sealed class LocalCosmosResource(string name, string workingDirectory)
    : ExecutableResource(name, "node", workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "http";

    private EndpointReference? _endpoint;

    public EndpointReference Endpoint => _endpoint ??= new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create(
            $"AccountEndpoint={Endpoint.Property(EndpointProperty.Url)}/;AccountKey={CosmosEmulator.WellKnownKey};");
}

/// <summary>The Cosmos DB Linux emulator image, for machines with a container runtime.</summary>
internal sealed class CosmosEmulatorResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    internal const string EndpointName = "http";

    private EndpointReference? _endpoint;

    public EndpointReference Endpoint => _endpoint ??= new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create(
            $"AccountEndpoint={Endpoint.Property(EndpointProperty.Url)}/;AccountKey={CosmosEmulator.WellKnownKey};");
}

internal static class CosmosEmulator
{
    /// <summary>The emulator's published, well-known key. It grants nothing outside a developer's machine.</summary>
    public const string WellKnownKey =
        "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    public const string Image = "mcr.microsoft.com/cosmosdb/linux/azure-cosmos-emulator";
    public const string Tag = "vnext-latest";
}
