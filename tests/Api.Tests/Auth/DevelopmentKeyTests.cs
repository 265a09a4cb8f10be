using System.Net;
using AspireAoai.Api.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Tests.Auth;

/// <summary>The README publishes the development keys: their hashes open nothing outside Development.</summary>
public sealed class DevelopmentKeyTests
{
    private const string DevKeyHash = "bed5cd1af972465633fca4ed87983ea7ba6e6d86fbe3cde1b7ef63cb9b87dc4b";
    private const string DevAdminKeyHash = "21f9cabd0472071242ce927ad919b04dd28e4ee7be83d5368507dce9f918ffbe";

    [Fact]
    public void TheRefusedHashes_AreThoseOfTheReadmesKeys_AndOfAppsettingsDevelopment()
    {
        Assert.Equal(DevKeyHash, AspireAoai.Api.Auth.KeyHasher.HashHex("aoai-dev-key"));
        Assert.Equal(DevAdminKeyHash, AspireAoai.Api.Auth.KeyHasher.HashHex("aoai-dev-admin-key"));
        var settings = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "appsettings.Development.json"));
        Assert.Contains(DevKeyHash, settings);
        Assert.Contains(DevAdminKeyHash, settings);
    }

    [Theory]
    [InlineData("Production", "--Gateway:Clients:0:KeyHash=" + DevKeyHash, "Gateway:Clients:0:KeyHash")]
    [InlineData("Staging", "--Gateway:AdminKeyHash=" + DevAdminKeyHash, "Gateway:AdminKeyHash")]
    [InlineData("Production", "--Gateway:Clients:0:KeyHash=BED5CD1AF972465633FCA4ED87983EA7BA6E6D86FBE3CDE1B7EF63CB9B87DC4B", "Gateway:Clients:0:KeyHash")]
    public async Task ADevelopmentKeyHash_OutsideDevelopment_StopsTheStart(string environment, string setting, string key)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(
            [new DeploymentSpec("d", new Uri("http://127.0.0.1:1/"))], [$"--environment={environment}", setting]));

        Assert.Contains(key, ex.Message);
        Assert.Contains("published in the README", ex.Message);
    }

    [Fact]
    public async Task InDevelopment_TheDevelopmentKeyWorks()
    {
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("d", new Uri("http://127.0.0.1:1/"))],
            ["--environment=Development", "--Gateway:Clients:0:KeyHash=" + DevKeyHash]);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        http.DefaultRequestHeaders.Add("api-key", "aoai-dev-key");

        using var response = await http.GetAsync("v1/usage");

        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
