using System.Text.Json.Nodes;

namespace AspireAoai.Infra.Tests.Bicep;

/// <summary>
/// The deployment is keyless: no key or secret reaches a container, local (key) auth is off everywhere, and every
/// data-plane permission is an assignment to the one managed identity.
/// </summary>
public sealed class DeploymentSecurityTests
{
    private static readonly Lazy<InfraSnapshot> Default = new(() => InfraSnapshot.Create());

    // Role definition ids of the built-in roles the identity gets.
    private const string OpenAiUser = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd";
    private const string AcrPull = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string CosmosDataContributor = "00000000-0000-0000-0000-000000000002";
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
    public void ContainerAppTemplates_HaveNoSecrets_AndOnlyPlainNonSecretValues(string service)
    {
        var text = AppHostTemplate.Text(service);
        foreach (var forbidden in new[] { "secrets:", "secretRef", "securedParameter", "secretOutput", "connectionString ", "parameter ", "keyVaultUrl", "passwordSecretRef", "password" })
        {
            Assert.DoesNotContain(forbidden, text, StringComparison.OrdinalIgnoreCase);
        }

        var rendered = AppHostTemplate.Render(service, Default.Value.Outputs);
        var environment = AppHostTemplate.Environment(rendered);
        Assert.NotEmpty(environment);
        foreach (var (name, value) in environment.Concat(AppHostTemplate.Args(rendered).Select(a => KeyValuePair.Create(a, a))))
        {
            Assert.DoesNotMatch("(?i)(apikey|password|secret|accountkey|__key$|:key=)", name);
            Assert.DoesNotContain("AccountKey", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("password", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listKeys", value, StringComparison.OrdinalIgnoreCase);
        }
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
    public void ContainerApps_RunAs_TheUserAssignedIdentity_AndPullWithIt(string service)
    {
        var outputs = Default.Value.Outputs;
        var identity = Default.Value.Single("Microsoft.ManagedIdentity/userAssignedIdentities");
        Assert.Contains(identity["name"]!.ToString(), outputs["AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID"], StringComparison.Ordinal);
        var clientId = outputs["MANAGED_IDENTITY_CLIENT_ID"];
        Assert.Contains($"/userAssignedIdentities/{identity["name"]}'", clientId, StringComparison.Ordinal);
        Assert.EndsWith(".clientId]", clientId, StringComparison.Ordinal);

        var text = AppHostTemplate.Text(service);
        Assert.Contains("type: UserAssigned", text, StringComparison.Ordinal);
        Assert.Contains("? \"{{ .Env.AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID }}\"", text, StringComparison.Ordinal);
        Assert.Contains("identity: \"{{ .Env.AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID }}\"", text, StringComparison.Ordinal);
        Assert.Equal("{{ .Env.MANAGED_IDENTITY_CLIENT_ID }}", AppHostTemplate.Environment(text)["AZURE_CLIENT_ID"]);
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

    [Fact]
    public void EveryDataPlaneGrant_IsToTheManagedIdentity_WithTheLeastRoleThatWorks()
    {
        var snapshot = Default.Value;
        var identityName = snapshot.Single("Microsoft.ManagedIdentity/userAssignedIdentities")["name"]!.ToString();
        void IdentityPrincipal(JsonNode? principal)
        {
            var expression = (string?)principal;
            Assert.True(
                expression is not null
                && expression.Contains($"/userAssignedIdentities/{identityName}'", StringComparison.Ordinal)
                && expression.EndsWith(".principalId]", StringComparison.Ordinal),
                $"Granted to something other than the managed identity: {expression}");
        }

        var roles = snapshot.OfType("Microsoft.Authorization/roleAssignments");
        Assert.All(roles, r =>
        {
            IdentityPrincipal(r["properties"]!["principalId"]);
            Assert.Equal("ServicePrincipal", (string?)r["properties"]!["principalType"]);
        });
        var granted = roles.Select(r => ((string)r["properties"]!["roleDefinitionId"]!).Split('/')[^1]).Order().ToArray();
        Assert.Equal(new[] { MonitoringMetricsPublisher, OpenAiUser, OpenAiUser, AcrPull }.Order(), granted);

        var cosmosGrant = snapshot.Single("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments");
        IdentityPrincipal(cosmosGrant["properties"]!["principalId"]);
        Assert.EndsWith($"/sqlRoleDefinitions/{CosmosDataContributor}", (string)cosmosGrant["properties"]!["roleDefinitionId"]!, StringComparison.Ordinal);
        Assert.EndsWith("/dbs/aoai", (string)cosmosGrant["properties"]!["scope"]!, StringComparison.Ordinal);

        var redisGrant = snapshot.Single("Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments");
        IdentityPrincipal(redisGrant["properties"]!["user"]!["objectId"]);
        Assert.Equal("default", (string?)redisGrant["properties"]!["accessPolicyName"]);
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
