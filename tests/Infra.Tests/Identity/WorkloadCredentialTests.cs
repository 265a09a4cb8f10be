using Azure.Identity;
using AspireAoai.ServiceDefaults.Identity;

namespace AspireAoai.Infra.Tests.Identity;

/// <summary>In Azure the services sign in only as their own managed identity; locally DefaultAzureCredential finds the developer.</summary>
public sealed class WorkloadCredentialTests
{
    [Fact]
    public void InAContainerAppWithAClientId_ItIsTheManagedIdentityCredential()
    {
        var variables = new Dictionary<string, string?>
        {
            [WorkloadCredential.IdentityEndpointVariable] = "http://localhost:42356/msi/token",
            [WorkloadCredential.ClientIdVariable] = "0f1e2d3c-0000-4000-8000-000000000001",
        };

        Assert.IsType<ManagedIdentityCredential>(WorkloadCredential.Create(name => variables.GetValueOrDefault(name)));
    }

    [Fact]
    public void OutsideAzure_ItIsDefaultAzureCredential_EvenWithAClientId()
    {
        var variables = new Dictionary<string, string?> { [WorkloadCredential.ClientIdVariable] = "0f1e2d3c-0000-4000-8000-000000000001" };

        Assert.IsType<DefaultAzureCredential>(WorkloadCredential.Create(name => variables.GetValueOrDefault(name)));
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public void TheContainerAppTemplates_NameTheClientId_TheCredentialUses(string service)
    {
        var environment = Bicep.AppHostTemplate.Environment(Bicep.AppHostTemplate.Text(service));

        Assert.Equal($"{{{{ .Env.{service.ToUpperInvariant()}_MANAGED_IDENTITY_CLIENT_ID }}}}", environment[WorkloadCredential.ClientIdVariable]);
    }
}
