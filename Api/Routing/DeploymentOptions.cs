namespace AspireAoai.Api.Routing;

/// <summary>One upstream Azure OpenAI deployment (<c>Gateway:Deployments:{i}</c>).</summary>
public sealed class DeploymentOptions
{
    /// <summary>Unique id of this deployment in the gateway, e.g. <c>eastus-gpt-4o</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>Base URL of the resource, e.g. <c>https://x.openai.azure.com/</c>.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>The Azure deployment name at that endpoint.</summary>
    public string Deployment { get; set; } = "";

    /// <summary>The logical model clients ask for, e.g. <c>gpt-4o</c>; deployments sharing it form a pool.</summary>
    public string Model { get; set; } = "";

    public string? Region { get; set; }

    /// <summary>1 is tried first; a higher number only when every deployment of lower numbers is cooling.</summary>
    public int Priority { get; set; } = 1;

    /// <summary>Share of traffic among deployments of the same priority.</summary>
    public int Weight { get; set; } = 1;

    /// <summary>Key for the <c>api-key</c> header; absent means managed identity.</summary>
    public string? ApiKey { get; set; }

    public int? CapacityTpm { get; set; }

    public int? CapacityRpm { get; set; }

    /// <summary>
    /// api-version sent to this deployment when the client names none (OpenAI-style <c>/v1</c> calls); null =
    /// <see cref="UpstreamOptions.UpstreamApiVersion"/>. Models that need a newer version than the global one (o-series,
    /// the gpt-5 family) set it here, e.g. <c>2025-04-01-preview</c>.
    /// </summary>
    public string? ApiVersion { get; set; }

    /// <summary>
    /// True: call the resource's <c>/openai/v1/</c> surface (no api-version; the body's <c>model</c> names
    /// <see cref="Deployment"/>, rewritten when the client named the logical model) instead of the dated
    /// <c>/openai/deployments/{deployment}/...?api-version=</c> one. Azure-style clients' api-versions are then not sent.
    /// </summary>
    public bool UseV1Api { get; set; }
}
