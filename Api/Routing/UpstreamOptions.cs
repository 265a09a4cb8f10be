namespace AspireAoai.Api.Routing;

/// <summary>The upstream deployments and how they are called (section <c>Gateway</c>).</summary>
public sealed class UpstreamOptions
{
    public const string SectionName = "Gateway";

    public IList<DeploymentOptions> Deployments { get; set; } = new List<DeploymentOptions>();

    /// <summary>
    /// api-version sent upstream when the client did not send one (OpenAI-style <c>/v1</c> calls). Azure-style
    /// calls pass the client's own api-version through.
    /// </summary>
    public string UpstreamApiVersion { get; set; } = "2024-10-21";

    /// <summary>
    /// HTTP version of the calls to the deployments: <c>1.1</c> (default) or <c>2</c>, negotiated over https and spoken with
    /// prior knowledge over http (see <see cref="UpstreamProtocol"/> and bench/README.md, "HTTP/2 to the upstream").
    /// </summary>
    public string UpstreamHttpVersion { get; set; } = "1.1";
}
