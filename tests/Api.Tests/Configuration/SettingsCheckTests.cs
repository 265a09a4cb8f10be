using AspireAoai.Api.Configuration;
using AspireAoai.Api.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Tests.Configuration;

/// <summary>An unknown key under <c>Gateway</c> stops the start with its name: a misspelt limit must not leave a client unlimited.</summary>
public sealed class SettingsCheckTests
{
    private static ValidateOptionsResult Check(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new SettingsCheckValidator(configuration).Validate(null, new SettingsCheck());
    }

    [Fact]
    public void TokensPerMinute_OnAClient_IsRefused_NamingTheKey()
    {
        var result = Check(("Gateway:Clients:0:Id", "batch"), ("Gateway:Clients:0:TokensPerMinute", "200000"));

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Clients:0:TokensPerMinute is not a setting", result.FailureMessage);
        Assert.Contains("Tpm", result.FailureMessage); // the message lists what is known there
    }

    [Fact]
    public void EverySettingOfAClient_FromEachFeatureThatReadsIt_IsAccepted()
    {
        var result = Check(
            ("Gateway:Clients:0:Id", "a"), ("Gateway:Clients:0:KeyHash", new string('a', 64)),
            ("Gateway:Clients:0:AllowedModels:0", "gpt-4o"), ("Gateway:Clients:0:AllowedModels:1", "gpt-4o-mini"),
            ("gateway:clients:0:rpm", "10"), ("Gateway:Clients:0:Tpm", "1000"), ("Gateway:Clients:0:TokensPerDay", "5"),
            ("Gateway:Clients:0:TokensPerMonth", "50"), ("Gateway:Clients:0:FailureMode", "FailOpen"),
            ("Gateway:Clients:0:Budget:DailyUsd", "5"), ("Gateway:Clients:0:Budget:SoftLimitPercent", "80"),
            ("Gateway:AdminKeyHash", new string('b', 64)), ("Gateway:KeyHashPepper", new string('p', 32)),
            ("Gateway:MaxRequestBodyBytes", "1048576"), ("Gateway:UpstreamApiVersion", "2024-10-21"),
            ("Gateway:Deployments:0:Name", "d"), ("Gateway:Deployments:0:CapacityTpm", "1000"),
            ("Gateway:Routing:MaxAttempts", "3"), ("Gateway:RateLimits:BudgetFailureMode", "FailOpen"),
            ("Gateway:Cache:Clients:acme:DefaultTtl", "00:10:00"), ("Gateway:Usage:Enabled", "false"),
            ("Gateway:UsageApi:QueryTimeout", "00:00:05"),
            // An empty JSON list arrives as the key with an empty value.
            ("Gateway:Clients:1:AllowedModels", ""));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("Gateway:Clients:0:Budget:DailyUSD2", "Gateway:Clients:0:Budget:DailyUSD2")]
    [InlineData("Gateway:Clients:0:Rpm:Burst", "Gateway:Clients:0:Rpm takes a single value")]
    [InlineData("Gateway:Routing:AttemptTimeoutSeconds", "Gateway:Routing:AttemptTimeoutSeconds")]
    [InlineData("Gateway:RateLimit:Rpm", "Gateway:RateLimit is not a setting")]
    [InlineData("Gateway:Deployments:0:Capacity", "Gateway:Deployments:0:Capacity")]
    [InlineData("Gateway:Clients:first:Id", "Gateway:Clients:first is not a setting")]
    public void AnUnknownKey_AnywhereUnderGateway_IsNamed(string key, string message)
    {
        var result = Check((key, "1"));

        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage);
    }

    [Fact]
    public async Task AGatewayWithAMisspeltClientSetting_DoesNotStart()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(
            [new DeploymentSpec("d", new Uri("http://127.0.0.1:1/"))], ["--Gateway:Clients:0:TokensPerMinute=200000"]));

        Assert.Contains("Gateway:Clients:0:TokensPerMinute", ex.Message);
    }
}
