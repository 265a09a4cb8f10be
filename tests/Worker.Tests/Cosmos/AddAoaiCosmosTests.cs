using AspireAoai.ServiceDefaults.Cosmos;
using AspireAoai.TestSupport;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AspireAoai.Worker.Tests.Cosmos;

[Collection(ServersCollection.Name)]
public class AddAoaiCosmosTests(RedisAndCosmosFixture servers)
{
    private static IHost Build(string? connectionString, Dictionary<string, string?>? extra = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:cosmos"] = connectionString,
        });
        if (extra is not null) builder.Configuration.AddInMemoryCollection(extra);
        builder.AddAoaiCosmos();
        return builder.Build();
    }

    [Fact]
    public async Task AtStart_CreatesDatabaseAndContainers_AndReportsHealthy()
    {
        var db = "init-" + Guid.NewGuid().ToString("N")[..8];
        using var host = Build(servers.Cosmos.ConnectionString, new() { ["Cosmos:DatabaseName"] = db });
        await host.StartAsync();
        var containers = host.Services.GetRequiredService<AoaiContainers>();
        await containers.WhenReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var cache = await containers.Cache.ReadContainerAsync();
        var costs = await containers.Costs.ReadContainerAsync();
        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));
        await host.StopAsync();

        Assert.Equal("/clientId", cache.Resource.PartitionKeyPath);
        Assert.Equal("/clientId", costs.Resource.PartitionKeyPath);
        Assert.Equal(db, containers.Database.Id);
        Assert.Equal(HealthStatus.Healthy, health.Status);
    }

    [Fact]
    public async Task ServerDown_HealthCheckIsUnhealthy_AndStartDoesNotBlock()
    {
        var port = FreePort.Next(); // nothing listens there
        using var host = Build($"AccountEndpoint=http://127.0.0.1:{port}/;AccountKey={CosmosServer.WellKnownKey};",
            new() { ["Cosmos:HealthCheckTimeout"] = "00:00:01" });

        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));
        var ready = host.Services.GetRequiredService<AoaiContainers>().WhenReadyAsync(CancellationToken.None);
        await host.StopAsync();

        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.False(ready.IsCompletedSuccessfully);
    }

    [Fact]
    public void EndpointOnly_MeansManagedIdentity()
    {
        var parsed = CosmosConnectionString.Parse("https://contoso.documents.azure.com:443/", "cosmos");

        Assert.Null(parsed.AccountKey);
        Assert.False(parsed.IsLocal);
        Assert.DoesNotContain("AccountKey", parsed.ToString());
    }

    [Fact]
    public void KeyConnectionString_IsParsed_AndNeverPrintsTheKey()
    {
        var parsed = CosmosConnectionString.Parse($"AccountEndpoint=https://localhost:8081/;AccountKey={CosmosServer.WellKnownKey};", "cosmos");

        Assert.Equal(CosmosServer.WellKnownKey, parsed.AccountKey);
        Assert.True(parsed.IsLocal);
        Assert.DoesNotContain(CosmosServer.WellKnownKey, parsed.ToString());
    }

    [Theory]
    [InlineData(null, "ConnectionStrings:cosmos is not set")]
    [InlineData("AccountKey=abc;", "ConnectionStrings:cosmos has no valid AccountEndpoint")]
    [InlineData("AccountEndpoint=ftp://x/;AccountKey=abc;", "ConnectionStrings:cosmos has no valid AccountEndpoint")]
    public void BadConnectionString_FailsNamingTheKey(string? value, string expected)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => CosmosConnectionString.Parse(value, "cosmos"));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void InvalidOptions_FailAtStart()
    {
        using var host = Build(servers.Cosmos.ConnectionString, new() { ["Cosmos:DatabaseName"] = "bad/name" });

        var ex = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<CosmosOptions>>().Value);
        Assert.Contains("Cosmos:DatabaseName", ex.Message);
    }
}
