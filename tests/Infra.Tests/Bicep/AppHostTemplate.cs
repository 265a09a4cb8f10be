using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AspireAoai.Infra.Tests.Bicep;

/// <summary>
/// AppHost/infra/&lt;service&gt;.tmpl.yaml, the container app azd deploy creates, rendered the way azd renders it:
/// <c>{{ .Env.NAME }}</c> from the environment (main.bicep's outputs; a name that is not there fails, as azd's
/// missingkey=error does) and <c>{{ .Image }}</c> with the pushed image.
/// </summary>
internal static partial class AppHostTemplate
{
    public const string Image = "cr.example.azurecr.io/aspire-aoai/api:azd-deploy-1";

    public static string PathOf(string service) => Path.Combine(BicepCli.RepositoryRoot, "AppHost", "infra", $"{service}.tmpl.yaml");

    public static string Text(string service) => File.ReadAllText(PathOf(service));

    public static IReadOnlyList<string> EnvReferences(string service) =>
        Placeholder().Matches(Text(service)).Select(m => m.Groups[1].Value).Where(v => v.StartsWith(".Env.", StringComparison.Ordinal))
            .Select(v => v[".Env.".Length..]).Distinct().ToArray();

    public static string Render(string service, IReadOnlyDictionary<string, string> outputs) =>
        Placeholder().Replace(Text(service), m => m.Groups[1].Value switch
        {
            ".Image" => Image,
            var v when v.StartsWith(".Env.", StringComparison.Ordinal) => outputs.TryGetValue(v[".Env.".Length..], out var value)
                ? value
                : throw new Xunit.Sdk.XunitException($"{service}.tmpl.yaml reads {v}, which main.bicep does not output."),
            var v => throw new Xunit.Sdk.XunitException($"{service}.tmpl.yaml uses {v}, which this project does not use."),
        });

    /// <summary>
    /// The container's env entries: the block under the one "env:" key, read as "- name: X" followed by "value: Y"
    /// or "secretRef: Z" (returned as <c>secretRef:Z</c>, for the tests to allow one by one). Any other line in the
    /// block (a second key) fails, so nothing can hide in it.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Environment(string rendered)
    {
        var lines = rendered.Split('\n');
        var start = Assert.Single(Enumerable.Range(0, lines.Length), i => lines[i].Trim() == "env:");
        var indent = Indent(lines[start]);
        var result = new Dictionary<string, string>();
        var i = start + 1;
        while (i < lines.Length && (lines[i].Trim().Length == 0 || Indent(lines[i]) > indent))
        {
            if (lines[i].Trim().Length == 0 || lines[i].TrimStart().StartsWith('#'))
            {
                i++;
                continue;
            }

            var name = EnvName().Match(lines[i]);
            Assert.True(name.Success, $"env entry does not start with a name: '{lines[i].Trim()}'");
            var value = i + 1 < lines.Length ? EnvValue().Match(lines[i + 1]) : Match.Empty;
            var secret = i + 1 < lines.Length ? EnvSecretRef().Match(lines[i + 1]) : Match.Empty;
            Assert.True(value.Success || secret.Success, $"env {name.Groups[1].Value} has no plain value or secretRef: '{(i + 1 < lines.Length ? lines[i + 1].Trim() : "")}'");
            result.Add(name.Groups[1].Value, value.Success ? value.Groups[1].Value : "secretRef:" + secret.Groups[1].Value);
            i += 2;
        }

        return result;
    }

    private static int Indent(string line) => line.Length - line.TrimStart(' ').Length;

    /// <summary>The container's args (a JSON list after "args:"), or none.</summary>
    public static IReadOnlyList<string> Args(string rendered)
    {
        var line = rendered.Split('\n').SingleOrDefault(l => l.TrimStart().StartsWith("args:", StringComparison.Ordinal));
        return line is null ? [] : JsonNode.Parse(line.Trim()["args:".Length..])!.AsArray().Select(a => (string)a!).ToArray();
    }

    [GeneratedRegex(@"\{\{\s*([^}]*?)\s*\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\s*- name: (\S+)\s*$")]
    private static partial Regex EnvName();

    [GeneratedRegex("^\\s*secretRef: ([a-z0-9-]+)\\s*$")]
    private static partial Regex EnvSecretRef();

    [GeneratedRegex("^\\s*value: \"?([^\"]*)\"?\\s*$")]
    private static partial Regex EnvValue();
}
