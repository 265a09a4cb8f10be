using AspireAoai.Simulator.Auth;
using AspireAoai.Simulator.Configuration;
using AspireAoai.Simulator.Deployments;
using Microsoft.Extensions.Options;

namespace AspireAoai.Simulator.Http;

/// <summary>
/// What every Azure OpenAI call goes through first, in Azure's order: request ids, api-version, credentials,
/// deployment. Each check returns the task writing its error answer, or null to go on.
/// </summary>
internal sealed class RequestFront(IApiKeyAuthenticator authenticator, DeploymentCatalog catalog, IOptions<SimulatorOptions> options)
{
    /// <summary>Used in messages when a v1 call names no api-version.</summary>
    public const string V1ApiVersion = "v1";

    private readonly string _region = options.Value.Region;

    public void StampHeaders(HttpContext context)
    {
        var id = Guid.NewGuid().ToString();
        var headers = context.Response.Headers;
        headers[SimHeaders.RequestId] = id;
        headers[SimHeaders.ApimRequestId] = id;
        headers[SimHeaders.Region] = _region;
    }

    /// <summary>A versioned route without <c>api-version</c> is a 404 in Azure; then the credentials.</summary>
    public Task? CheckVersionAndAuth(HttpContext context, bool versioned, out string apiVersion)
    {
        apiVersion = V1ApiVersion;
        if (versioned)
        {
            var query = context.Request.Query["api-version"];
            if (query.Count == 0 || string.IsNullOrWhiteSpace(query[0]))
            {
                return AzureErrors.ResourceNotFound(context);
            }

            apiVersion = query[0]!;
        }

        return authenticator.Authenticate(context.Request) switch
        {
            AuthResult.Accepted => null,
            AuthResult.Missing => AzureErrors.MissingKey(context),
            _ => AzureErrors.InvalidKey(context),
        };
    }

    /// <summary>Finds the deployment and checks it serves the operation.</summary>
    public Task? ResolveDeployment(HttpContext context, string? name, Operation operation, out Deployment? deployment)
    {
        if (string.IsNullOrEmpty(name))
        {
            deployment = null;
            return AzureErrors.BadRequest(context, "Missing required parameter: 'model'.", "model", "missing_required_parameter");
        }

        if (!catalog.TryGet(name, out deployment))
        {
            return AzureErrors.DeploymentNotFound(context);
        }

        if (deployment.IsEmbeddings != operation.IsEmbeddings)
        {
            var model = deployment.Model;
            deployment = null;
            return AzureErrors.OperationNotSupported(context, operation.Word, model);
        }

        return null;
    }
}
