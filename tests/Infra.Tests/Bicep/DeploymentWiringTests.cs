namespace AspireAoai.Infra.Tests.Bicep;

/// <summary>The container apps get the settings the services read, in the names they read them by.</summary>
public sealed class DeploymentWiringTests
{
    private static readonly Lazy<InfraSnapshot> Default = new(() => InfraSnapshot.Create(new Dictionary<string, string>
    {
        ["AOAI_GATEWAY_CLIENTS"] = """[{"id":"team-a","keyHash":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","allowedModels":["gpt-4o","text-embedding-3-large"],"settings":{"Rpm":"60"}}]""",
    }));

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public void BothServices_FindCosmosRedisTelemetryAndTheirIdentity(string service)
    {
        var snapshot = Default.Value;
        var environment = AppHostTemplate.Environment(AppHostTemplate.Render(service, snapshot.Outputs));
        var cosmosName = snapshot.Single("Microsoft.DocumentDB/databaseAccounts")["name"]!.ToString();
        var redisName = snapshot.Single("Microsoft.Cache/redisEnterprise")["name"]!.ToString();

        Assert.Contains($"/databaseAccounts/{cosmosName}'", environment["ConnectionStrings__cosmos"], StringComparison.Ordinal);
        Assert.EndsWith(".documentEndpoint]", environment["ConnectionStrings__cosmos"], StringComparison.Ordinal);
        Assert.Equal("false", environment["Cosmos__CreateResources"]);

        Assert.StartsWith("[format('{0}:{1},ssl=true,abortConnect=false'", environment["ConnectionStrings__redis"], StringComparison.Ordinal);
        Assert.Contains($"/redisEnterprise/{redisName}'", environment["ConnectionStrings__redis"], StringComparison.Ordinal);
        Assert.Equal("true", environment["Redis__UseEntraId"]);

        Assert.EndsWith(".ConnectionString]", environment["APPLICATIONINSIGHTS_CONNECTION_STRING"], StringComparison.Ordinal);
        Assert.EndsWith(".clientId]", environment["AZURE_CLIENT_ID"], StringComparison.Ordinal);
        Assert.Equal("true", environment["ASPNETCORE_FORWARDEDHEADERS_ENABLED"]);
        Assert.Equal(service, environment["OTEL_SERVICE_NAME"]);
        Assert.Equal("8080", environment["ASPNETCORE_HTTP_PORTS"]);
        if (service == "api")
        {
            Assert.Equal("0", environment["DOTNET_TC_CallCountingDelayMs"]);
        }
    }

    [Fact]
    public void Api_GetsTheRoutingTable_RegionOneFirst()
    {
        var snapshot = Default.Value;
        var environment = Gateway(snapshot);
        var accounts = snapshot.OfType("Microsoft.CognitiveServices/accounts").Select(a => a["name"]!.ToString()).ToArray();

        var expected = new (string Model, string Region, int Priority)[]
        {
            ("gpt-4o", "eastus2", 1), ("text-embedding-3-large", "eastus2", 1),
            ("gpt-4o", "swedencentral", 2), ("text-embedding-3-large", "swedencentral", 2),
        };
        for (var i = 0; i < expected.Length; i++)
        {
            var (model, region, priority) = expected[i];
            var prefix = $"Gateway__Deployments__{i}__";
            Assert.Equal($"{region}-{model}", environment[prefix + "Name"]);
            Assert.Equal(model, environment[prefix + "Model"]);
            Assert.Equal(model, environment[prefix + "Deployment"]);
            Assert.Equal(region, environment[prefix + "Region"]);
            Assert.Equal(priority.ToString(System.Globalization.CultureInfo.InvariantCulture), environment[prefix + "Priority"]);
            Assert.Equal("1", environment[prefix + "Weight"]);
            Assert.Equal("50000", environment[prefix + "CapacityTpm"]);
            Assert.Equal("300", environment[prefix + "CapacityRpm"]);

            // The endpoint is the account's custom subdomain, which Entra ID authentication requires.
            var account = Assert.Single(accounts, a => a.EndsWith(region, StringComparison.Ordinal));
            Assert.Equal($"https://{account}.openai.azure.com/", environment[prefix + "Endpoint"]);
            Assert.False(environment.ContainsKey(prefix + "ApiKey"));
        }

        Assert.False(environment.ContainsKey("Gateway__Deployments__4__Name"));
    }

    [Fact]
    public void Api_GetsClientsAsIdAndKeyHash_WithTheirSettings()
    {
        var environment = Gateway(Default.Value);

        Assert.Equal("team-a", environment["Gateway__Clients__0__Id"]);
        Assert.Equal("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", environment["Gateway__Clients__0__KeyHash"]);
        Assert.Equal("gpt-4o", environment["Gateway__Clients__0__AllowedModels__0"]);
        Assert.Equal("text-embedding-3-large", environment["Gateway__Clients__0__AllowedModels__1"]);
        Assert.Equal("60", environment["Gateway__Clients__0__Rpm"]);
        Assert.False(environment.ContainsKey("Gateway__Clients__1__Id"));
    }

    [Fact]
    public void EntraIdClientAuth_IsOff_WithoutAnAudience_AndOnWithTheAudienceAndTenant_WhenOneIsGiven()
    {
        Assert.False(Gateway(Default.Value).ContainsKey("Gateway__EntraId__Enabled"));

        var environment = Gateway(InfraSnapshot.Create(new Dictionary<string, string>
        {
            ["AOAI_GATEWAY_ENTRA_AUDIENCE"] = "api://aspireaoai-gateway",
            ["AOAI_GATEWAY_ENTRA_TENANT_ID"] = "11111111-2222-3333-4444-555555555555",
            ["AOAI_GATEWAY_CLIENTS"] = """[{"id":"keyless","settings":{"EntraId__AppIds__0":"0b1c2d3e-0000-4000-8000-00000000a001"}}]""",
        }));

        Assert.Equal("true", environment["Gateway__EntraId__Enabled"]);
        Assert.Equal("11111111-2222-3333-4444-555555555555", environment["Gateway__EntraId__TenantId"]);
        Assert.Equal("api://aspireaoai-gateway", environment["Gateway__EntraId__Audiences__0"]);
        Assert.Equal("keyless", environment["Gateway__Clients__0__Id"]);
        Assert.False(environment.ContainsKey("Gateway__Clients__0__KeyHash"));
        Assert.Equal("0b1c2d3e-0000-4000-8000-00000000a001", environment["Gateway__Clients__0__EntraId__AppIds__0"]);
    }

    [Fact]
    public void AddingARegion_AddsAnAccount_AndItsDeploymentsAtTheNextPriority()
    {
        var snapshot = InfraSnapshot.Create(new Dictionary<string, string>
        {
            ["AOAI_OPENAI_REGIONS"] = """[{"location":"eastus2"},{"location":"swedencentral"},{"location":"westus3","chatCapacity":100}]""",
        });

        Assert.Equal(3, snapshot.OfType("Microsoft.CognitiveServices/accounts").Count);
        Assert.Equal(6, snapshot.OfType("Microsoft.CognitiveServices/accounts/deployments").Count);
        Assert.Equal(3, snapshot.OfType("Microsoft.Authorization/roleAssignments").Count(r =>
            ((string)r["properties"]!["roleDefinitionId"]!).EndsWith("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd", StringComparison.Ordinal)));

        var environment = Gateway(snapshot);
        Assert.Equal("westus3", environment["Gateway__Deployments__4__Region"]);
        Assert.Equal("3", environment["Gateway__Deployments__4__Priority"]);
        Assert.Equal("100000", environment["Gateway__Deployments__4__CapacityTpm"]);
        Assert.Equal("600", environment["Gateway__Deployments__4__CapacityRpm"]);
        Assert.Equal("50000", environment["Gateway__Deployments__5__CapacityTpm"]);
    }

    [Fact]
    public void OpenAiAccounts_DeployTheChatAndEmbeddingsModels()
    {
        var deployments = Default.Value.OfType("Microsoft.CognitiveServices/accounts/deployments");

        Assert.Equal(4, deployments.Count);
        Assert.Equal(2, deployments.Count(d => (string?)d["properties"]!["model"]!["name"] == "gpt-4o"));
        Assert.Equal(2, deployments.Count(d => (string?)d["properties"]!["model"]!["name"] == "text-embedding-3-large"));
        Assert.All(deployments, d => Assert.Equal(50, (int?)d["sku"]!["capacity"]));
    }

    [Fact]
    public void Cosmos_IsServerless_WithTheCacheAndCostsContainersPartitionedByClient()
    {
        var snapshot = Default.Value;
        var capabilities = snapshot.Single("Microsoft.DocumentDB/databaseAccounts")["properties"]!["capabilities"]!.AsArray();
        Assert.Contains(capabilities, c => (string?)c!["name"] == "EnableServerless");
        Assert.Equal("aoai", snapshot.Single("Microsoft.DocumentDB/databaseAccounts/sqlDatabases")["properties"]!["resource"]!["id"]!.ToString());

        var containers = snapshot.OfType("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
            .ToDictionary(c => c["properties"]!["resource"]!["id"]!.ToString(), c => c["properties"]!["resource"]!);
        Assert.Equal(["cache", "costs"], containers.Keys.Order());
        Assert.All(containers.Values, c => Assert.Equal("/clientId", c!["partitionKey"]!["paths"]![0]!.ToString()));
        Assert.Equal(-1, (int?)containers["cache"]!["defaultTtl"]);
    }

    [Fact]
    public void Redis_IsNonClustered_SoMultiKeyScriptsWork()
    {
        var database = Default.Value.Single("Microsoft.Cache/redisEnterprise/databases");

        Assert.Equal("NoCluster", (string?)database["properties"]!["clusteringPolicy"]);
        Assert.Equal("Encrypted", (string?)database["properties"]!["clientProtocol"]);
        Assert.Equal(10000, (int?)database["properties"]!["port"]);
    }

    [Fact]
    public void Api_IsExternalOn8080_AndScalesOnConcurrency_WorkerHasNoIngressAndOneReplica()
    {
        var outputs = Default.Value.Outputs;
        var api = AppHostTemplate.Render("api", outputs);
        Assert.Contains("ingress:\n      external: true\n      targetPort: 8080\n      transport: auto\n      allowInsecure: false", api, StringComparison.Ordinal);
        Assert.Contains("minReplicas: 1\n      maxReplicas: 10\n", api, StringComparison.Ordinal);
        Assert.Contains("concurrentRequests: \"100\"", api, StringComparison.Ordinal);

        var worker = AppHostTemplate.Render("worker", outputs);
        Assert.DoesNotContain("ingress:", worker, StringComparison.Ordinal);
        Assert.Contains("minReplicas: 1\n      maxReplicas: 1\n", worker, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public void BothServices_RunTheDeployedImage_WithHealthProbes(string service)
    {
        var rendered = AppHostTemplate.Render(service, Default.Value.Outputs);
        Assert.Contains($"image: \"{AppHostTemplate.Image}\"", rendered, StringComparison.Ordinal);
        Assert.Contains("type: Startup\n            httpGet:\n              path: /alive", rendered, StringComparison.Ordinal);
        Assert.Contains("type: Liveness\n            httpGet:\n              path: /alive", rendered, StringComparison.Ordinal);
        Assert.Contains("type: Readiness\n            httpGet:\n              path: /health", rendered, StringComparison.Ordinal);
    }

    [Fact]
    public void MainBicep_DeclaresNoContainerApp_AzdCreatesThemFromTheAppHostTemplates()
    {
        Assert.Empty(Default.Value.OfType("Microsoft.App/containerApps"));
        Assert.True(File.Exists(AppHostTemplate.PathOf("api")));
        Assert.True(File.Exists(AppHostTemplate.PathOf("worker")));
    }

    /// <summary>The Api's Gateway settings from its args ("--Gateway:Deployments:0:Name=x"), in env-variable spelling.</summary>
    private static IReadOnlyDictionary<string, string> Gateway(InfraSnapshot snapshot) =>
        AppHostTemplate.Args(AppHostTemplate.Render("api", snapshot.Outputs)).ToDictionary(
            a => a[2..a.IndexOf('=', StringComparison.Ordinal)].Replace(":", "__", StringComparison.Ordinal),
            a => a[(a.IndexOf('=', StringComparison.Ordinal) + 1)..]);
}
