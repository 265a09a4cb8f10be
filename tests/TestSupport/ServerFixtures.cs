using Xunit;

namespace AspireAoai.TestSupport;

/// <summary>An xunit class/collection fixture: one redis-server for the tests that share it.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>An xunit class/collection fixture: one Node Cosmos server for the tests that share it.</summary>
public sealed class CosmosFixture : IAsyncLifetime
{
    public CosmosServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await CosmosServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Both servers, for end-to-end tests of Redis-to-Cosmos pipelines.</summary>
public sealed class RedisAndCosmosFixture : IAsyncLifetime
{
    public RedisServer Redis { get; private set; } = null!;
    public CosmosServer Cosmos { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var redis = RedisServer.StartAsync();
        var cosmos = CosmosServer.StartAsync();
        Redis = await redis;
        Cosmos = await cosmos;
    }

    public async Task DisposeAsync()
    {
        await Redis.DisposeAsync();
        await Cosmos.DisposeAsync();
    }
}
