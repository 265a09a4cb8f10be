using AspireAoai.Api.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Tests.Integration;

/// <summary>A bad configuration fails the start with a message naming the key, not a NullReferenceException later.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("--Gateway:Deployments:0:Endpoint=not a url", "Gateway:Deployments:0:Endpoint")]
    [InlineData("--Gateway:Deployments:0:Priority=0", "Gateway:Deployments:0:Priority")]
    [InlineData("--Gateway:Deployments:0:Deployment=a/b", "Gateway:Deployments:0:Deployment")]
    [InlineData("--Gateway:Routing:MaxAttempts=0", "Gateway:Routing:MaxAttempts")]
    [InlineData("--Gateway:Clients:0:KeyHash=abc", "Gateway:Clients:0:KeyHash")]
    [InlineData("--Gateway:MaxRequestBodyBytes=10", "Gateway:MaxRequestBodyBytes")]
    public async Task BadSetting_FailsTheStart_NamingTheKey(string setting, string key)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(
            [new DeploymentSpec("d", new Uri("http://127.0.0.1:1/"))], [setting]));
        Assert.Contains(key, ex.Message);
    }
}
