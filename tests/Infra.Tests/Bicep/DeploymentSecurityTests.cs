using System.Text.Json.Nodes;

namespace AspireAoai.Infra.Tests.Bicep;

/// <summary>
/// The deployment is keyless: no key reaches a container (the one secret, the key-hash pepper, is a Key Vault reference
/// the Api resolves with its identity), local (key) auth is off everywhere, and every data-plane permission is an
/// assignment to the Api's or the Worker's own managed identity, scoped to what that service does.
/// </summary>
public sealed class DeploymentSecurityTests
{
    private static readonly Lazy<InfraSnapshot> Default = new(() => InfraSnapshot.Create());

    // Role definition ids of the built-in roles the identity gets.
    private const string OpenAiUser = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd";
    private const string AcrPull = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string CosmosDataReader = "00000000-0000-0000-0000-000000000001";

    private static readonly string[] ForbiddenInTemplates =
    [
        "listKeys(", "listkeys(", "listSecrets(", "listConnectionStrings(", "listCredentials(", "primaryKey", "secondaryKey",
        "primaryMasterKey", "primarySharedKey", "AccountKey=", "SharedAccessKey", "password=", "Password=",
    ];

    [Fact]
    public void NoTemplate_ReadsOrPassesAKey()
    {
        var outDirectory = Directory.CreateTempSubdirectory("aoai-bicep-keys-");
        try
        {
            var run = BicepCli.Run(BicepCli.InfraDirectory, "build", "--pattern", "**/*.bicep", "--outdir", outDirectory.FullName);
            Assert.Equal(0, run.ExitCode);

            var texts = Directory.GetFiles(outDirectory.FullName, "*.json", SearchOption.AllDirectories)
                .Concat(Directory.GetFiles(BicepCli.InfraDirectory, "*.bicep*", SearchOption.AllDirectories))
                .Select(f => (File: f, Text: File.ReadAllText(f)));
            foreach (var (file, text) in texts)
            {
                foreach (var forbidden in ForbiddenInTemplates)
                {
                    Assert.False(text.Contains(forbidden, StringComparison.Ordinal), $"{file} contains '{forbidden}'.");
                }
            }
        }
        finally
        {
            outDirectory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public void ContainerAppTemplates_HaveNoSecretValues_OnlyThePeppersKeyVaultReferenceOnTheApi(string service)
    {
        var text = AppHostTemplate.Text(service);
        foreach (var forbidden in new[] { "securedParameter", "secretOutput", "connectionString ", "parameter ", "passwordSecretRef", "password", "value: \"{{ .Env.AOAI_KEY_HASH_PEPPER" })
        {
            Assert.DoesNotContain(forbidden, text, StringComparison.OrdinalIgnoreCase);
        }

        if (service == "api")
        {
            // One secret: a Key Vault reference resolved with the Api's own identity, used only as the pepper.
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "keyVaultUrl:"));
            Assert.Contains("""
                    secrets:
                      - name: key-hash-pepper
                        keyVaultUrl: "{{ .Env.AZURE_KEY_HASH_PEPPER_URI }}"
                        identity: "{{ .Env.API_MANAGED_IDENTITY_ID }}"
                """, text, StringComparison.Ordinal);
            Assert.DoesNotMatch("(?m)^\\s+value: .*[Pp]epper", text);
        }
        else
        {
            foreach (var forbidden in new[] { "secrets:", "secretRef", "keyVaultUrl" })
            {
                Assert.DoesNotContain(forbidden, text, StringComparison.OrdinalIgnoreCase);
            }
        }

        var rendered = AppHostTemplate.Render(service, Default.Value.Outputs);
        var environment = AppHostTemplate.Environment(rendered);
        Assert.NotEmpty(environment);
        var secretRefs = environment.Where(e => e.Value.StartsWith("secretRef:", StringComparison.Ordinal)).ToArray();
        Assert.Equal(service == "api" ? ["Gateway__KeyHashPepper=secretRef:key-hash-pepper"] : [], secretRefs.Select(e => $"{e.Key}={e.Value}"));
        foreach (var (name, value) in environment.Except(secretRefs).Concat(AppHostTemplate.Args(rendered).Select(a => KeyValuePair.Create(a, a))))
        {
            Assert.DoesNotMatch("(?i)(apikey|password|secret|pepper|accountkey|__key$|:key=)", name);
            Assert.DoesNotContain("AccountKey", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("password", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listKeys", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(InfraSnapshot.TestPepper, value, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(InfraSnapshot.TestPepper, string.Join('\n', Default.Value.Outputs.Values), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public void ContainerAppTemplates_ReadOnlyOutputsMainBicepDeclares(string service)
    {
        var references = AppHostTemplate.EnvReferences(service);
        Assert.NotEmpty(references);
        Assert.All(references, name => Assert.Contains(name, Default.Value.Outputs.Keys));
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public void EachContainerApp_RunsAs_ItsOwnUserAssignedIdentity_AndPullsWithIt(string service)
    {
        var outputs = Default.Value.Outputs;
        var prefix = service.ToUpperInvariant();
        var identity = Assert.Single(Default.Value.OfType("Microsoft.ManagedIdentity/userAssignedIdentities"),
            i => i["name"]!.ToString().StartsWith($"id-{service}-", StringComparison.Ordinal));
        Assert.EndsWith($"/userAssignedIdentities/{identity["name"]}", outputs[$"{prefix}_MANAGED_IDENTITY_ID"], StringComparison.Ordinal);
        var clientId = outputs[$"{prefix}_MANAGED_IDENTITY_CLIENT_ID"];
        Assert.Contains($"/userAssignedIdentities/{identity["name"]}'", clientId, StringComparison.Ordinal);
        Assert.EndsWith(".clientId]", clientId, StringComparison.Ordinal);

        var text = AppHostTemplate.Text(service);
        Assert.Contains("type: UserAssigned", text, StringComparison.Ordinal);
        Assert.Contains($"? \"{{{{ .Env.{prefix}_MANAGED_IDENTITY_ID }}}}\"", text, StringComparison.Ordinal);
        Assert.Contains($"identity: \"{{{{ .Env.{prefix}_MANAGED_IDENTITY_ID }}}}\"", text, StringComparison.Ordinal);
        Assert.Equal($"{{{{ .Env.{prefix}_MANAGED_IDENTITY_CLIENT_ID }}}}", AppHostTemplate.Environment(text)["AZURE_CLIENT_ID"]);
        var other = service == "api" ? "WORKER" : "API";
        Assert.DoesNotContain($".Env.{other}_MANAGED_IDENTITY", text, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalAuth_IsDisabled_OnCosmosOpenAiRedisMonitoringAndTheRegistry()
    {
        var snapshot = Default.Value;

        var cosmos = snapshot.Single("Microsoft.DocumentDB/databaseAccounts");
        Assert.True((bool?)cosmos["properties"]!["disableLocalAuth"]);
        Assert.True((bool?)cosmos["properties"]!["disableKeyBasedMetadataWriteAccess"]);

        var openAi = snapshot.OfType("Microsoft.CognitiveServices/accounts");
        Assert.Equal(2, openAi.Count);
        Assert.All(openAi, account => Assert.True((bool?)account["properties"]!["disableLocalAuth"]));

        var redis = snapshot.Single("Microsoft.Cache/redisEnterprise/databases");
        Assert.Equal("Disabled", (string?)redis["properties"]!["accessKeysAuthentication"]);

        Assert.True((bool?)snapshot.Single("Microsoft.Insights/components")["properties"]!["DisableLocalAuth"]);
        Assert.True((bool?)snapshot.Single("Microsoft.OperationalInsights/workspaces")["properties"]!["features"]!["disableLocalAuth"]);
        Assert.False((bool?)snapshot.Single("Microsoft.ContainerRegistry/registries")["properties"]!["adminUserEnabled"]);
    }

    private static string IdentityName(InfraSnapshot snapshot, string service) =>
        Assert.Single(snapshot.OfType("Microsoft.ManagedIdentity/userAssignedIdentities"),
            i => i["name"]!.ToString().StartsWith($"id-{service}-", StringComparison.Ordinal))["name"]!.ToString();

    /// <summary>Which service's identity a principal expression names ("api" / "worker"), failing for anything else.</summary>
    private static string ServiceOf(InfraSnapshot snapshot, JsonNode? principal)
    {
        var expression = (string?)principal;
        foreach (var service in new[] { "api", "worker" })
        {
            if (expression is not null && expression.Contains($"/userAssignedIdentities/{IdentityName(snapshot, service)}'", StringComparison.Ordinal)
                && expression.EndsWith(".principalId]", StringComparison.Ordinal))
            {
                return service;
            }
        }

        throw new Xunit.Sdk.XunitException($"Granted to something other than a service's managed identity: {expression}");
    }

    [Fact]
    public void AzureRoles_GoToTheServiceThatNeedsThem_WithTheLeastRoleThatWorks()
    {
        var snapshot = Default.Value;
        var roles = snapshot.OfType("Microsoft.Authorization/roleAssignments");
        Assert.All(roles, r => Assert.Equal("ServicePrincipal", (string?)r["properties"]!["principalType"]));
        var granted = roles
            .Select(r => $"{ServiceOf(snapshot, r["properties"]!["principalId"])} {((string)r["properties"]!["roleDefinitionId"]!).Split('/')[^1]}")
            .Order().ToArray();
        Assert.Equal(new[]
        {
            $"api {AcrPull}", $"worker {AcrPull}", $"api {MonitoringMetricsPublisher}", $"worker {MonitoringMetricsPublisher}",
            $"api {OpenAiUser}", $"api {OpenAiUser}", $"api {KeyVaultSecretsUser}",
        }.Order(), granted);

        // The pepper's reader role is scoped to that one secret, not the vault.
        var pepperReader = Assert.Single(roles, r => ((string)r["properties"]!["roleDefinitionId"]!).EndsWith(KeyVaultSecretsUser, StringComparison.Ordinal));
        Assert.StartsWith("[extensionResourceId('", (string)pepperReader["id"]!, StringComparison.Ordinal);
        Assert.Contains("/secrets/key-hash-pepper', 'Microsoft.Authorization/roleAssignments'", (string)pepperReader["id"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void Cosmos_TheApiReadsAndWritesTheCache_AndOnlyReadsCosts_WhileTheWorkerWritesCosts_EachScopedToTheContainer()
    {
        var snapshot = Default.Value;
        var definitions = snapshot.OfType("Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions")
            .ToDictionary(d => (string)d["properties"]!["roleName"]!, d => d);
        var actions = definitions.ToDictionary(d => d.Key,
            d => d.Value["properties"]!["permissions"]![0]!["dataActions"]!.AsArray().Select(a => (string)a!).Order().ToArray());
        const string prefix = "Microsoft.DocumentDB/databaseAccounts/";
        Assert.Equal(new[] { prefix + "readMetadata", prefix + "sqlDatabases/containers/executeQuery", prefix + "sqlDatabases/containers/items/*", prefix + "sqlDatabases/containers/readChangeFeed" },
            actions["AspireAoai items read-write"]);
        Assert.Equal(new[] { prefix + "readMetadata", prefix + "sqlDatabases/containers/executeQuery", prefix + "sqlDatabases/containers/items/read", prefix + "sqlDatabases/containers/readChangeFeed" },
            actions["AspireAoai items read"]);
        Assert.Equal(new[] { prefix + "readMetadata" }, actions["AspireAoai metadata read"]);
        Assert.All(definitions.Values, d => Assert.Equal("CustomRole", (string?)d["properties"]!["type"]));

        string RoleName(JsonObject assignment)
        {
            var id = (string)assignment["properties"]!["roleDefinitionId"]!;
            return Assert.Single(definitions, d => id.Contains($"'{d.Value["name"]!.ToString().Split('/')[^1]}'", StringComparison.Ordinal)
                                                   || id.Contains(d.Value["name"]!.ToString().Split('/')[^1], StringComparison.Ordinal)).Key;
        }

        var grants = snapshot.OfType("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments")
            .Select(a => $"{ServiceOf(snapshot, a["properties"]!["principalId"])} {RoleName(a)} {((string)a["properties"]!["scope"]!).Split("/dbs/")[^1]}")
            .Order().ToArray();
        Assert.Equal(new[]
        {
            "api AspireAoai items read-write aoai/colls/cache",
            "api AspireAoai items read aoai/colls/costs",
            "api AspireAoai metadata read aoai",
            "worker AspireAoai items read-write aoai/colls/costs",
            "worker AspireAoai metadata read aoai",
        }.Order(), grants);
    }

    [Fact]
    public void Redis_BothServicesGetTheDataAccessPolicy_NobodyElse()
    {
        var snapshot = Default.Value;
        var grants = snapshot.OfType("Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments");
        Assert.Equal(new[] { "api", "worker" }, grants.Select(g => ServiceOf(snapshot, g["properties"]!["user"]!["objectId"])).Order());
        Assert.All(grants, g => Assert.Equal("default", (string?)g["properties"]!["accessPolicyName"]));
    }

    [Fact]
    public void TheDeployingUser_GetsNoDataAccess_UnlessAskedFor()
    {
        const string person = "11111111-2222-3333-4444-555555555555";
        var quiet = InfraSnapshot.Create(new Dictionary<string, string> { ["AZURE_PRINCIPAL_ID"] = person });
        Assert.DoesNotContain(person, string.Join('\n', quiet.Resources.Select(r => r.ToJsonString())), StringComparison.Ordinal);

        var granted = InfraSnapshot.Create(new Dictionary<string, string>
        {
            ["AZURE_PRINCIPAL_ID"] = person,
            ["AOAI_GRANT_DEPLOYER_DATA_ACCESS"] = "true",
        });
        var cosmos = Assert.Single(granted.OfType("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"),
            r => (string?)r["properties"]!["principalId"] == person);
        Assert.EndsWith($"/sqlRoleDefinitions/{CosmosDataReader}", (string)cosmos["properties"]!["roleDefinitionId"]!, StringComparison.Ordinal);
        Assert.Equal(2, granted.OfType("Microsoft.Authorization/roleAssignments").Count(r => (string?)r["properties"]!["principalId"] == person));
        Assert.Single(granted.OfType("Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments"),
            r => (string?)r["properties"]!["user"]!["objectId"] == person);
    }
}
