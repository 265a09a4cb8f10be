using System.Text.Json.Nodes;

namespace AspireAoai.Infra.Tests.Bicep;

/// <summary>
/// What a deployment of infra/main.bicepparam would create, as <c>bicep snapshot</c> predicts it: every resource with
/// its properties evaluated for the given azd environment, runtime values (principal ids, endpoints) left as
/// <c>reference(...)</c> expressions naming the resource they come from.
/// </summary>
internal sealed class InfraSnapshot
{
    public const string SubscriptionId = "00000000-0000-0000-0000-0000000000aa";

    /// <summary>Every variable main.bicepparam reads; cleared unless a test sets it, so the host's environment does not leak in.</summary>
    private static readonly string[] ParameterVariables =
    [
        "AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_PRINCIPAL_ID", "AZURE_PRINCIPAL_TYPE", "AOAI_GRANT_DEPLOYER_DATA_ACCESS",
        "AOAI_CHAT_CAPACITY", "AOAI_EMBEDDINGS_CAPACITY", "AOAI_DEPLOYMENT_SKU", "AOAI_OPENAI_REGIONS", "AOAI_GATEWAY_CLIENTS",
        "AOAI_COSMOS_SERVERLESS", "AOAI_APPINSIGHTS_DISABLE_LOCAL_AUTH", "AOAI_REDIS_SKU", "AOAI_REDIS_HIGH_AVAILABILITY",
        "AOAI_KEY_HASH_PEPPER", "AOAI_PRIVATE_NETWORKING", "AOAI_GATEWAY_ENTRA_AUDIENCE", "AOAI_GATEWAY_ENTRA_TENANT_ID",
    ];

    /// <summary>The pepper every snapshot gets unless a test sets (or clears) AOAI_KEY_HASH_PEPPER: main.bicepparam requires one.</summary>
    public const string TestPepper = "infra-tests-pepper-0123456789abcdefghij";

    private const string OutputsProbe = "outputs-probe";

    private InfraSnapshot(JsonArray resources)
    {
        var all = resources.Select(r => r!.AsObject()).ToArray();
        var probe = all.SingleOrDefault(r => (string?)r["type"] == "Microsoft.Resources/tags"); // main.bicep declares none itself
        Resources = all.Where(r => r != probe).ToArray();
        Outputs = probe is null
            ? new Dictionary<string, string>()
            : probe["properties"]!["tags"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!);
    }

    public IReadOnlyList<JsonObject> Resources { get; }

    /// <summary>
    /// main.bicep's outputs (what azd writes to the environment and the AppHost/infra templates read), evaluated for this
    /// environment; arrays as JSON, runtime values as <c>reference(...)</c> expressions.
    /// </summary>
    public IReadOnlyDictionary<string, string> Outputs { get; }

    public static InfraSnapshot Create(IReadOnlyDictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string?>();
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) variables[name] = value;
        return TryCreate(variables, out var failure) ?? throw new Xunit.Sdk.XunitException($"bicep snapshot failed:\n{failure}");
    }

    /// <summary>The snapshot, or null with bicep's error output in <paramref name="failure"/> (a variable set to null is unset).</summary>
    public static InfraSnapshot? TryCreate(IReadOnlyDictionary<string, string?> environment, out string failure)
    {
        // bicep snapshot writes main.snapshot.json beside the parameters file: work on a copy of infra/.
        var workDirectory = Directory.CreateTempSubdirectory("aoai-infra-");
        try
        {
            CopyDirectory(BicepCli.InfraDirectory, workDirectory.FullName);
            AddOutputsProbe(workDirectory.FullName);
            var variables = ParameterVariables.ToDictionary(v => v, string? (_) => null);
            variables["AZURE_ENV_NAME"] = "aoai-test";
            variables["AZURE_LOCATION"] = "eastus2";
            variables["AOAI_KEY_HASH_PEPPER"] = TestPepper;
            foreach (var (name, value) in environment) variables[name] = value;

            var run = BicepCli.Run(workDirectory.FullName, variables,
                "snapshot", "main.bicepparam", "--mode", "overwrite", "--subscription-id", SubscriptionId, "--location", "eastus2");
            failure = run.StandardError + "\n" + run.StandardOutput;
            if (run.ExitCode != 0)
            {
                return null;
            }

            var snapshot = JsonNode.Parse(File.ReadAllText(Path.Combine(workDirectory.FullName, "main.snapshot.json")))!.AsObject();
            Assert.Empty(snapshot["diagnostics"]!.AsArray());
            return new InfraSnapshot(snapshot["predictedResources"]!.AsArray());
        }
        finally
        {
            workDirectory.Delete(recursive: true);
        }
    }

    public IReadOnlyList<JsonObject> OfType(string type) =>
        Resources.Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase)).ToArray();

    public JsonObject Single(string type) => Assert.Single(OfType(type));

    public JsonObject ContainerApp(string serviceName) => Assert.Single(
        OfType("Microsoft.App/containerApps"), app => (string?)app["tags"]?["azd-service-name"] == serviceName);

    public static IReadOnlyDictionary<string, string> Environment(JsonObject containerApp) =>
        containerApp["properties"]!["template"]!["containers"]![0]!["env"]!.AsArray()
            .ToDictionary(e => (string)e!["name"]!, e => (string?)e!["value"] ?? throw new Xunit.Sdk.XunitException(
                $"Environment variable {(string?)e!["name"]} has no plain value (secretRef?): {e.ToJsonString()}"));

    /// <summary>
    /// bicep snapshot predicts resources, not outputs. So the copy of main.bicep passes every output's expression to a
    /// module that puts them on a tags resource the snapshot then shows (and the constructor takes out): string outputs
    /// as they are (a runtime value stays the plain <c>[reference(...)...]</c> azd would get), any other output through
    /// string() in the module (arrays as JSON, numbers as digits; a for-expression cannot be a function argument in main).
    /// </summary>
    private static void AddOutputsProbe(string directory)
    {
        var main = Path.Combine(directory, "main.bicep");
        var outputs = File.ReadAllLines(main)
            .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"^output (\w+) (\S+) = (.+)$"))
            .Where(m => m.Success)
            .ToArray();
        string Entries(bool strings) => string.Join('\n', outputs
            .Where(m => (m.Groups[2].Value == "string") == strings)
            .Select(m => $"      {m.Groups[1].Value}: {m.Groups[3].Value}"));
        File.AppendAllText(main, $$"""

            module outputsProbe '{{OutputsProbe}}.bicep' = {
              scope: rg
              name: '{{OutputsProbe}}'
              params: {
                strings: {
            {{Entries(strings: true)}}
                }
                others: {
            {{Entries(strings: false)}}
                }
              }
            }

            """);
        File.WriteAllText(Path.Combine(directory, OutputsProbe + ".bicep"), """
            param strings object
            param others object

            resource probe 'Microsoft.Resources/tags@2024-03-01' = {
              name: 'default'
              properties: {
                tags: union(strings, toObject(items(others), item => item.key, item => string(item.value)))
              }
            }

            """);
    }

    private static void CopyDirectory(string source, string target)
    {
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, directory)));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)));
        }
    }
}
