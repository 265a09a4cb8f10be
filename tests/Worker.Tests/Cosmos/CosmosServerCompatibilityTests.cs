using System.Net;
using AspireAoai.ServiceDefaults.Cosmos;
using AspireAoai.TestSupport;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Hosting;

namespace AspireAoai.Worker.Tests.Cosmos;

/// <summary>
/// What the gateway relies on from the local Node Cosmos server, through the real .NET SDK configured the way
/// AddAoaiCosmos configures it.
/// </summary>
[Collection(ServersCollection.Name)]
public class CosmosServerCompatibilityTests(RedisAndCosmosFixture servers)
{
    public sealed record Item(string Id, string ClientId, int Count, string? Note = null);

    private async Task<Container> NewContainerAsync()
    {
        var client = CosmosExtensions.CreateClient(CosmosConnectionString.Parse(servers.Cosmos.ConnectionString, "cosmos"));
        var db = (await client.CreateDatabaseIfNotExistsAsync("compat-" + Guid.NewGuid().ToString("N")[..8])).Database;
        return (await db.CreateContainerIfNotExistsAsync(new ContainerProperties("items", "/clientId"))).Container;
    }

    [Fact]
    public async Task ReadOfAMissingItem_ThrowsCosmosNotFound_NotAServerError()
    {
        var container = await NewContainerAsync();

        var ex = await Assert.ThrowsAsync<CosmosException>(() => container.ReadItemAsync<Item>("nope", new PartitionKey("c1")));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task CreateReadUpsertDelete_RoundTrip()
    {
        var container = await NewContainerAsync();
        var pk = new PartitionKey("c1");

        await container.CreateItemAsync(new Item("a", "c1", 1), pk);
        var duplicate = await Assert.ThrowsAsync<CosmosException>(() => container.CreateItemAsync(new Item("a", "c1", 9), pk));
        var read = await container.ReadItemAsync<Item>("a", pk);
        await container.UpsertItemAsync(new Item("a", "c1", 2), pk);
        var upserted = await container.ReadItemAsync<Item>("a", pk);
        await container.DeleteItemAsync<Item>("a", pk);
        var gone = await Assert.ThrowsAsync<CosmosException>(() => container.ReadItemAsync<Item>("a", pk));

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(1, read.Resource.Count);
        Assert.Equal(2, upserted.Resource.Count);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task ReplaceWithAStaleETag_FailsWith412()
    {
        var container = await NewContainerAsync();
        var pk = new PartitionKey("c1");
        var created = await container.CreateItemAsync(new Item("a", "c1", 1), pk);

        var replaced = await container.ReplaceItemAsync(new Item("a", "c1", 2), "a", pk, new ItemRequestOptions { IfMatchEtag = created.ETag });
        var stale = await Assert.ThrowsAsync<CosmosException>(() =>
            container.ReplaceItemAsync(new Item("a", "c1", 3), "a", pk, new ItemRequestOptions { IfMatchEtag = created.ETag }));

        Assert.NotEqual(created.ETag, replaced.ETag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal(2, (await container.ReadItemAsync<Item>("a", pk)).Resource.Count);
    }

    [Fact]
    public async Task Patch_IncrementsAndSets()
    {
        var container = await NewContainerAsync();
        var pk = new PartitionKey("c1");
        await container.CreateItemAsync(new Item("a", "c1", 1), pk);

        await container.PatchItemAsync<Item>("a", pk, [PatchOperation.Increment("/count", 41), PatchOperation.Set("/note", "patched")]);
        var item = (await container.ReadItemAsync<Item>("a", pk)).Resource;

        Assert.Equal(42, item.Count);
        Assert.Equal("patched", item.Note);
    }

    [Fact]
    public async Task SinglePartitionQuery_NamingThePartitionKey_ReturnsOnlyThatClient()
    {
        var container = await NewContainerAsync();
        await container.CreateItemAsync(new Item("a", "c1", 1), new PartitionKey("c1"));
        await container.CreateItemAsync(new Item("b", "c1", 2), new PartitionKey("c1"));
        await container.CreateItemAsync(new Item("a", "c2", 3), new PartitionKey("c2"));

        var query = new QueryDefinition("SELECT * FROM c WHERE c.clientId = @pk").WithParameter("@pk", "c1");
        var items = new List<Item>();
        using var feed = container.GetItemQueryIterator<Item>(query, requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey("c1") });
        while (feed.HasMoreResults) items.AddRange(await feed.ReadNextAsync());

        Assert.Equal(["a", "b"], items.Select(i => i.Id).Order());
        Assert.All(items, i => Assert.Equal("c1", i.ClientId));
    }
}
