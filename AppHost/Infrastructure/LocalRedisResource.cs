namespace AspireAoai.AppHost.Infrastructure;

/// <summary>
/// <c>redis-server</c> from the operating system's package, run as a local process. Its connection string is the
/// <c>host:port</c> form that Aspire.StackExchange.Redis reads, so services cannot tell it from <c>AddRedis</c>.
/// </summary>
internal sealed class LocalRedisResource(string name, string workingDirectory)
    : ExecutableResource(name, "redis-server", workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";

    private EndpointReference? _endpoint;

    public EndpointReference Endpoint => _endpoint ??= new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.HostAndPort)}");
}
