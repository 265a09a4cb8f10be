using Azure.Core;
using AspireAoai.ServiceDefaults.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace AspireAoai.Infra.Tests.Redis;

/// <summary>How AddAoaiRedis shapes the StackExchange.Redis options, without a server.</summary>
public sealed class AddAoaiRedisTests
{
    private const string Endpoint = "aoai-test.eastus2.redis.azure.net:10000,ssl=true,abortConnect=false";

    [Fact]
    public void Defaults_AreTightGatewayTimeouts_AndNoAbortOnConnectFail()
    {
        using var host = Build(new() { ["ConnectionStrings:redis"] = "127.0.0.1:6399" });

        var options = host.Services.GetRequiredService<IOptions<ConfigurationOptions>>().Value;

        Assert.Equal(2_000, options.ConnectTimeout);
        Assert.Equal(500, options.SyncTimeout);
        Assert.Equal(500, options.AsyncTimeout);
        Assert.False(options.AbortOnConnectFail);
        Assert.Null(options.User);
        Assert.Null(options.Password);
        Assert.Null(host.Services.GetService<RedisEntraIdAuthenticator>());
    }

    [Fact]
    public void TimeoutMs_SetsTheSyncAndAsyncTimeouts()
    {
        using var host = Build(new()
        {
            ["ConnectionStrings:redis"] = "127.0.0.1:6399",
            ["Redis:TimeoutMs"] = "250",
            ["Redis:ConnectTimeoutMs"] = "1500",
        });

        var options = host.Services.GetRequiredService<IOptions<ConfigurationOptions>>().Value;

        Assert.Equal(250, options.SyncTimeout);
        Assert.Equal(250, options.AsyncTimeout);
        Assert.Equal(1_500, options.ConnectTimeout);
    }

    [Fact]
    public async Task AnOutOfRangeTimeout_FailsTheStart_NamingTheKey()
    {
        using var host = Build(new() { ["ConnectionStrings:redis"] = "127.0.0.1:6399", ["Redis:TimeoutMs"] = "5" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Redis:TimeoutMs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseEntraId_AuthenticatesAsTheTokensObjectId_WithTheTokenAsPassword()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var token = TestTokens.ForObjectId("0b1c2d3e-aaaa-4bbb-8ccc-000000000042");
        var credential = new QueuedCredential(() => new AccessToken(token, time.GetUtcNow().AddHours(1)));
        using var host = Build(new() { ["ConnectionStrings:redis"] = Endpoint, ["Redis:UseEntraId"] = "true" }, credential, time);

        var options = host.Services.GetRequiredService<IOptions<ConfigurationOptions>>().Value;

        Assert.Equal("0b1c2d3e-aaaa-4bbb-8ccc-000000000042", options.User);
        Assert.Equal(token, options.Password);
        Assert.True(options.Ssl);
        Assert.Equal(RedisOptions.DefaultTokenScope, Assert.Single(Assert.Single(credential.Scopes)));
        Assert.Equal(time.GetUtcNow().AddHours(1), host.Services.GetRequiredService<RedisEntraIdAuthenticator>().ExpiresOn);
    }

    [Fact]
    public void UseEntraId_WhenNoTokenCanBeHad_StillBuildsTheOptions_AndRetries()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var token = TestTokens.ForObjectId("late");
        var credential = new QueuedCredential(
            () => throw new InvalidOperationException("IMDS is not answering"),
            () => new AccessToken(token, time.GetUtcNow().AddHours(1)));
        using var host = Build(new() { ["ConnectionStrings:redis"] = Endpoint, ["Redis:UseEntraId"] = "true" }, credential, time);

        var options = host.Services.GetRequiredService<IOptions<ConfigurationOptions>>().Value;
        Assert.Null(options.Password);

        time.Advance(RedisEntraIdAuthenticator.FirstRetryDelay);

        Assert.True(SpinWait.SpinUntil(() => options.Password == token, TimeSpan.FromSeconds(10)));
        Assert.Equal("late", options.User);
    }

    private static IHost Build(Dictionary<string, string?> settings, TokenCredential? credential = null, TimeProvider? time = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        if (time is not null) builder.Services.AddSingleton(time);
        if (credential is not null) builder.Services.AddKeyedSingleton(AoaiRedisExtensions.CredentialServiceKey, credential);
        builder.AddAoaiRedis();
        return builder.Build();
    }
}
