using AspireAoai.TestSupport;

namespace AspireAoai.Worker.Tests;

/// <summary>One redis-server and one Cosmos server for the whole assembly; tests isolate by stream and database names.</summary>
[CollectionDefinition(Name)]
public sealed class ServersCollection : ICollectionFixture<RedisAndCosmosFixture>
{
    public const string Name = "servers";
}
