using System.Text.Json.Nodes;

namespace AspireAoai.Infra.Tests.Bicep;

/// <summary>
/// privateNetworking (AOAI_PRIVATE_NETWORKING) puts the apps in a VNet and reaches Azure OpenAI, Cosmos DB, Redis and
/// Key Vault through private endpoints with public access off; the client key hashes' pepper is required and lives in
/// Key Vault.
/// </summary>
public sealed class PrivateNetworkingAndPepperTests
{
    private static readonly Lazy<InfraSnapshot> Public = new(() => InfraSnapshot.Create());

    private static readonly Lazy<InfraSnapshot> Private = new(() => InfraSnapshot.Create(new Dictionary<string, string> { ["AOAI_PRIVATE_NETWORKING"] = "true" }));

    private static IEnumerable<(string Name, string? Access)> PublicAccess(InfraSnapshot snapshot) =>
        new[] { "Microsoft.CognitiveServices/accounts", "Microsoft.DocumentDB/databaseAccounts", "Microsoft.Cache/redisEnterprise", "Microsoft.KeyVault/vaults" }
            .SelectMany(snapshot.OfType)
            .Select(r => (r["name"]!.ToString(), (string?)r["properties"]!["publicNetworkAccess"]));

    [Fact]
    public void ByDefault_NoVNet_AndTheServicesKeepPublicEndpoints()
    {
        var snapshot = Public.Value;

        Assert.Empty(snapshot.OfType("Microsoft.Network/virtualNetworks"));
        Assert.Empty(snapshot.OfType("Microsoft.Network/privateEndpoints"));
        Assert.Null(snapshot.Single("Microsoft.App/managedEnvironments")["properties"]!["vnetConfiguration"]);
        Assert.All(PublicAccess(snapshot), r => Assert.Equal("Enabled", r.Access));
    }

    [Fact]
    public void PrivateNetworking_IntegratesTheEnvironment_TurnsPublicAccessOff_AndAddsAnEndpointAndDnsZonePerService()
    {
        var snapshot = Private.Value;

        var vnet = snapshot.Single("Microsoft.Network/virtualNetworks");
        var subnets = vnet["properties"]!["subnets"]!.AsArray();
        var apps = Assert.Single(subnets, s => (string?)s!["name"] == "container-apps")!;
        Assert.Equal("Microsoft.App/environments", (string?)apps["properties"]!["delegations"]![0]!["properties"]!["serviceName"]);
        var environment = snapshot.Single("Microsoft.App/managedEnvironments")["properties"]!;
        var subnet = (string)environment["vnetConfiguration"]!["infrastructureSubnetId"]!;
        Assert.Contains($"/virtualNetworks/{vnet["name"]}'", subnet, StringComparison.Ordinal);
        Assert.EndsWith(".subnets[0].id]", subnet, StringComparison.Ordinal); // subnets[0] is container-apps
        Assert.Equal("Consumption", (string?)environment["workloadProfiles"]![0]!["workloadProfileType"]);
        Assert.False((bool)environment["vnetConfiguration"]!["internal"]!); // clients still reach the Api from the internet

        var access = PublicAccess(snapshot).ToArray();
        Assert.Equal(5, access.Length); // two OpenAI regions, Cosmos DB, Redis, Key Vault
        Assert.All(access, r => Assert.Equal("Disabled", r.Access));
        Assert.All(snapshot.OfType("Microsoft.CognitiveServices/accounts"),
            a => Assert.Equal("Deny", (string?)a["properties"]!["networkAcls"]!["defaultAction"]));

        var endpoints = snapshot.OfType("Microsoft.Network/privateEndpoints");
        var groups = endpoints.Select(e => (string)e["properties"]!["privateLinkServiceConnections"]![0]!["properties"]!["groupIds"]![0]!).Order();
        Assert.Equal(new[] { "Sql", "account", "account", "redisEnterprise", "vault" }.Order(), groups);
        Assert.Equal("private-endpoints", (string?)subnets[1]!["name"]);
        Assert.All(endpoints, e => Assert.EndsWith(".subnets[1].id]", (string)e["properties"]!["subnet"]!["id"]!, StringComparison.Ordinal));

        Assert.Equal(
            new[] { "privatelink.documents.azure.com", "privatelink.openai.azure.com", "privatelink.redis.azure.net", "privatelink.vaultcore.azure.net" },
            snapshot.OfType("Microsoft.Network/privateDnsZones").Select(z => z["name"]!.ToString()).Order());
        Assert.Equal(4, snapshot.OfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks").Count);
        Assert.Equal(5, snapshot.OfType("Microsoft.Network/privateEndpoints/privateDnsZoneGroups").Count);
    }

    [Fact]
    public void ThePepper_IsAKeyVaultSecret_InAnRbacVault()
    {
        var snapshot = Public.Value;

        var vault = snapshot.Single("Microsoft.KeyVault/vaults")["properties"]!;
        Assert.True((bool?)vault["enableRbacAuthorization"]);
        Assert.True((bool?)vault["enablePurgeProtection"]);
        var secret = snapshot.Single("Microsoft.KeyVault/vaults/secrets");
        Assert.EndsWith("/key-hash-pepper", secret["name"]!.ToString(), StringComparison.Ordinal);
        var uri = Public.Value.Outputs["AZURE_KEY_HASH_PEPPER_URI"];
        Assert.Contains("secrets/", uri, StringComparison.Ordinal);
        Assert.Contains("'key-hash-pepper'", uri, StringComparison.Ordinal);
        Assert.Contains(".vaultUri", uri, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("too-short-to-be-a-pepper")]
    public void WithoutAPepperOfAtLeast32Characters_ProvisioningFails(string? pepper)
    {
        var snapshot = InfraSnapshot.TryCreate(new Dictionary<string, string?> { ["AOAI_KEY_HASH_PEPPER"] = pepper }, out var failure);

        Assert.Null(snapshot);
        Assert.Contains(pepper is null ? "\"AOAI_KEY_HASH_PEPPER\" does not exist" : "minimum allowable length is 32", failure, StringComparison.Ordinal);
    }
}
