using System.Net;
using AspireAoai.ServiceDefaults.Cosmos;
using AspireAoai.TestSupport;
using Microsoft.Azure.Cosmos;

namespace AspireAoai.Worker.Tests.Cosmos;

/// <summary>
/// The local Cosmos server through the .NET SDK: its 404s say whether the item or its container is missing, as Cosmos
/// DB's do, and with a data folder a restart keeps what was stored.
/// </summary>
public class CosmosServerRestartTests
{
    private sealed record Doc(string id, string clientId, int value);

    [Fact]
    public async Task A404SaysWhetherTheItemOrItsContainerIsMissing()
    {
        await using var server = await CosmosServer.StartAsync();
        using var client = server.CreateClient();
        var db = (await client.CreateDatabaseIfNotExistsAsync("d")).Database;
        var container = (await db.CreateContainerIfNotExistsAsync(new ContainerProperties("c", "/clientId"))).Container;
        await container.CreateItemAsync(new Doc("there", "a", 1), new PartitionKey("a"));

        using var missingItem = await container.ReadItemStreamAsync("not-there", new PartitionKey("a"));
        Assert.Equal(HttpStatusCode.NotFound, missingItem.StatusCode);
        Assert.False(CosmosNotFound.IsOwnerMissing(missingItem, CosmosNotFound.Operation.Item));

        // The container is deleted after the client has used it, as an operator would do while the app runs.
        await container.DeleteContainerAsync();
        using var read = await container.ReadItemStreamAsync("there", new PartitionKey("a"));
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.True(CosmosNotFound.IsOwnerMissing(read, CosmosNotFound.Operation.Item));
        var replace = await Assert.ThrowsAsync<CosmosException>(() => container.ReplaceItemAsync(new Doc("there", "a", 2), "there", new PartitionKey("a")));
        Assert.Equal(CosmosNotFound.OwnerResourceNotFound, replace.SubStatusCode);
        var create = await Assert.ThrowsAsync<CosmosException>(() => container.CreateItemAsync(new Doc("new", "a", 1), new PartitionKey("a")));
        Assert.True(CosmosNotFound.IsOwnerMissing(create, CosmosNotFound.Operation.OwnerOnly));
        Assert.Equal(CosmosNotFound.OwnerResourceNotFound, create.SubStatusCode);
        using var upsert = await container.UpsertItemStreamAsync(new MemoryStream("""{"id":"u","clientId":"a"}"""u8.ToArray()), new PartitionKey("a"));
        Assert.True(CosmosNotFound.IsOwnerMissing(upsert, CosmosNotFound.Operation.OwnerOnly));
    }

    [Fact]
    public async Task WithADataFolder_AStopAndStartOnTheSamePort_KeepsDatabasesContainersAndItems_WithoutOneItStartsEmpty()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "aoai-cosmos-test-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var server = await CosmosServer.StartAsync(dataDirectory);
            await using var inMemory = await CosmosServer.StartAsync();
            foreach (var s in new[] { server, inMemory })
            {
                using var client = s.CreateClient();
                var db = (await client.CreateDatabaseIfNotExistsAsync("d")).Database;
                var container = (await db.CreateContainerIfNotExistsAsync(new ContainerProperties("c", "/clientId") { DefaultTimeToLive = -1 })).Container;
                for (var i = 0; i < 20; i++)
                {
                    await container.UpsertItemAsync(new Doc("item-" + i, "client-" + (i % 3), i), new PartitionKey("client-" + (i % 3)));
                }

                await container.UpsertItemAsync(new Doc("item-0", "client-0", 100), new PartitionKey("client-0"));
                await s.StopAsync();
                await s.StartAgainAsync();
            }

            using (var client = server.CreateClient())
            {
                var container = client.GetContainer("d", "c");
                var properties = await container.ReadContainerAsync();
                Assert.Equal("/clientId", properties.Resource.PartitionKeyPath);
                Assert.Equal(-1, properties.Resource.DefaultTimeToLive);
                Assert.Equal(100, (await container.ReadItemAsync<Doc>("item-0", new PartitionKey("client-0"))).Resource.value);
                Assert.Equal(19, (await container.ReadItemAsync<Doc>("item-19", new PartitionKey("client-1"))).Resource.value);
                // Loaded items take new etags, as if written again; conditional writes work on them.
                var read = await container.ReadItemAsync<Doc>("item-5", new PartitionKey("client-2"));
                await container.ReplaceItemAsync(read.Resource with { value = 55 }, "item-5", new PartitionKey("client-2"),
                    new ItemRequestOptions { IfMatchEtag = read.ETag });
            }

            using (var client = inMemory.CreateClient())
            {
                var gone = await Assert.ThrowsAsync<CosmosException>(() => client.GetDatabase("d").ReadAsync());
                Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            }

            Assert.True(File.Exists(Path.Combine(dataDirectory, "cosmos-data.json")));
        }
        finally
        {
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
