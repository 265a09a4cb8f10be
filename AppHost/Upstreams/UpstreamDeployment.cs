namespace AspireAoai.AppHost.Upstreams;

/// <summary>
/// One Azure OpenAI deployment the gateway routes to, as configured under <c>Upstreams:Deployments</c> in the AppHost's
/// configuration (user secrets, appsettings or <c>Upstreams__Deployments__0__Endpoint</c>-style environment variables).
/// The same keys reach the Api as <c>Gateway:Deployments</c>.
/// </summary>
internal sealed class UpstreamDeployment
{
    /// <summary>Unique name, e.g. <c>eastus-gpt-4o</c>.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The resource's base URL, e.g. <c>https://my-aoai-eastus.openai.azure.com/</c>.</summary>
    public string Endpoint { get; set; } = string.Empty;

    /// <summary>The Azure deployment name.</summary>
    public string Deployment { get; set; } = string.Empty;

    /// <summary>The logical model clients ask for, e.g. <c>gpt-4o</c>.</summary>
    public string Model { get; set; } = string.Empty;

    public string Region { get; set; } = string.Empty;

    /// <summary>1 is tried first.</summary>
    public int Priority { get; set; } = 1;

    public int Weight { get; set; } = 1;

    /// <summary>Optional. Without a key the Api authenticates with managed identity (DefaultAzureCredential).</summary>
    public string? ApiKey { get; set; }

    public int? CapacityTpm { get; set; }

    public int? CapacityRpm { get; set; }

    /// <summary>api-version for OpenAI-style calls to this deployment (o-series, gpt-5); null = the Api's global one.</summary>
    public string? ApiVersion { get; set; }

    /// <summary>Call the resource's <c>/openai/v1/</c> surface (no api-version).</summary>
    public bool UseV1Api { get; set; }

    /// <summary>Copies the deployment into the Api's environment as <c>Gateway__Deployments__{index}__*</c>.</summary>
    public void WriteTo(IDictionary<string, object> environment, int index, object? endpoint = null)
    {
        var prefix = $"Gateway__Deployments__{index}__";
        environment[prefix + "Name"] = Name;
        environment[prefix + "Endpoint"] = endpoint ?? Endpoint;
        environment[prefix + "Deployment"] = Deployment;
        environment[prefix + "Model"] = Model;
        environment[prefix + "Region"] = Region;
        environment[prefix + "Priority"] = Priority.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment[prefix + "Weight"] = Weight.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(ApiKey))
        {
            environment[prefix + "ApiKey"] = ApiKey;
        }

        if (CapacityTpm is { } tpm)
        {
            environment[prefix + "CapacityTpm"] = tpm.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (CapacityRpm is { } rpm)
        {
            environment[prefix + "CapacityRpm"] = rpm.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (!string.IsNullOrEmpty(ApiVersion))
        {
            environment[prefix + "ApiVersion"] = ApiVersion;
        }

        if (UseV1Api)
        {
            environment[prefix + "UseV1Api"] = "true";
        }
    }
}
