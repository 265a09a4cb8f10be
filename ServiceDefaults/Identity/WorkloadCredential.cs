using Azure.Core;
using Azure.Identity;

namespace AspireAoai.ServiceDefaults.Identity;

/// <summary>
/// The credential a service authenticates to Azure with. In Azure (Container Apps, App Service: the platform sets
/// <c>IDENTITY_ENDPOINT</c>) it is <see cref="ManagedIdentityCredential"/> for the user-assigned identity named by
/// <c>AZURE_CLIENT_ID</c>, and nothing else: <see cref="DefaultAzureCredential"/> would also try environment
/// secrets, workload identity files and developer tools in turn, each a way to end up signed in as something other
/// than the identity the deployment granted. Elsewhere (a laptop) it is <see cref="DefaultAzureCredential"/>, which
/// finds <c>az login</c> and the IDE's account.
/// </summary>
public static class WorkloadCredential
{
    /// <summary>Set by Container Apps and App Service in every container that has a managed identity.</summary>
    public const string IdentityEndpointVariable = "IDENTITY_ENDPOINT";

    /// <summary>Client id of the user-assigned identity the service runs as.</summary>
    public const string ClientIdVariable = "AZURE_CLIENT_ID";

    /// <summary>The credential for this process's environment (see the type's summary).</summary>
    public static TokenCredential Create() => Create(Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Create()"/>, reading variables through <paramref name="variable"/> (tests).</summary>
    public static TokenCredential Create(Func<string, string?> variable)
    {
        if (string.IsNullOrEmpty(variable(IdentityEndpointVariable)))
        {
            return new DefaultAzureCredential();
        }

        var clientId = variable(ClientIdVariable);
        return string.IsNullOrEmpty(clientId)
            ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
    }
}
