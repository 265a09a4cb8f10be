using AspireAoai.Api.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Tests.Auth;

/// <summary><c>Gateway:EntraId</c> and the clients' matchers are checked at start; each message names the key.</summary>
public sealed class EntraIdSettingsTests
{
    private const string Tenant = "11111111-2222-3333-4444-555555555555";

    public static TheoryData<string, string[], string> BadSettings => new()
    {
        {
            "Production",
            ["--Gateway:EntraId:Enabled=true", $"--Gateway:EntraId:TenantId={Tenant}", "--Gateway:EntraId:Audiences:0=api://gw",
             "--Gateway:EntraId:MetadataAddress=http://127.0.0.1:1/meta", "--Gateway:EntraId:RequireHttpsMetadata=false",
             "--Gateway:Clients:2:Id=k", "--Gateway:Clients:2:EntraId:AppIds:0=app"],
            "Gateway:EntraId:RequireHttpsMetadata may be false only in the Development environment"
        },
        {
            "Production",
            ["--Gateway:EntraId:Enabled=true", $"--Gateway:EntraId:TenantId={Tenant}", "--Gateway:EntraId:Audiences:0=api://gw",
             "--Gateway:EntraId:MetadataAddress=http://127.0.0.1:1/meta", "--Gateway:Clients:2:Id=k", "--Gateway:Clients:2:EntraId:AppIds:0=app"],
            "Gateway:EntraId:MetadataAddress must be an absolute https URL"
        },
        {
            "Production",
            ["--Gateway:EntraId:Enabled=true", "--Gateway:EntraId:TenantId=contoso", "--Gateway:EntraId:Audiences:0=api://gw",
             "--Gateway:Clients:2:Id=k", "--Gateway:Clients:2:EntraId:AppIds:0=app"],
            "Gateway:EntraId:TenantId must be the directory (tenant) id"
        },
        {
            "Production",
            ["--Gateway:EntraId:Enabled=true", $"--Gateway:EntraId:TenantId={Tenant}", "--Gateway:Clients:2:Id=k", "--Gateway:Clients:2:EntraId:AppIds:0=app"],
            "Gateway:EntraId:Audiences needs at least one entry"
        },
        {
            "Production",
            ["--Gateway:Clients:2:Id=k", "--Gateway:Clients:2:EntraId:AppIds:0=app", "--Gateway:Clients:3:Id=j", "--Gateway:Clients:3:EntraId:AppIds:0=APP"],
            "Gateway:Clients:3:EntraId:AppIds:0 'APP' is already mapped by Gateway:Clients:2:EntraId:AppIds:0"
        },
        {
            "Production",
            ["--Gateway:Clients:2:Id=keyless-without-matcher"],
            "Gateway:Clients:2:KeyHash must be the hash of the key"
        },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task BadEntraIdSettings_StopTheStart_NamingTheKey(string environment, string[] settings, string message)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(
            [new DeploymentSpec("d", new Uri("http://127.0.0.1:1/"))], [$"--environment={environment}", .. settings]));

        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public async Task AKeylessClient_WithAMatcher_NeedsNoKeyHash()
    {
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("d", new Uri("http://127.0.0.1:1/"))],
        [
            "--Gateway:EntraId:Enabled=true", $"--Gateway:EntraId:TenantId={Tenant}", "--Gateway:EntraId:Audiences:0=api://gw",
            "--Gateway:Clients:2:Id=keyless", "--Gateway:Clients:2:EntraId:Roles:0=Gateway.Caller",
        ]);
        using var response = await gateway.Http.GetAsync("v1/models");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }
}
