using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AspireAoai.Infra.Tests.Bicep;

/// <summary>Every Bicep file compiles with the pinned Bicep CLI and the linter has nothing to say.</summary>
public sealed partial class BicepBuildTests
{
    [Fact]
    public void EveryBicepFile_Builds_WithNoErrorsOrWarnings()
    {
        var files = Directory.GetFiles(BicepCli.InfraDirectory, "*.bicep", SearchOption.AllDirectories);
        Assert.Contains(files, f => Path.GetFileName(f) == "main.bicep");
        Assert.True(files.Length >= 9, $"expected main.bicep and its modules, found {files.Length} files");

        var outDirectory = Directory.CreateTempSubdirectory("aoai-bicep-build-");
        try
        {
            var run = BicepCli.Run(BicepCli.InfraDirectory, "build", "--pattern", "**/*.bicep", "--outdir", outDirectory.FullName);

            Assert.True(run.ExitCode == 0, $"bicep build failed:\n{run.StandardError}");
            Assert.Empty(BicepCli.Diagnostics(run));
            Assert.True(File.Exists(Path.Combine(outDirectory.FullName, "main.json")));
        }
        finally
        {
            outDirectory.Delete(recursive: true);
        }
    }

    [Fact]
    public void EveryBicepFile_Lints_Clean()
    {
        var run = BicepCli.Run(BicepCli.InfraDirectory, "lint", "--pattern", "**/*.bicep");

        Assert.True(run.ExitCode == 0, $"bicep lint failed:\n{run.StandardError}");
        Assert.Empty(BicepCli.Diagnostics(run));
    }

    [Fact]
    public void ParametersFile_Builds_WithNoErrorsOrWarnings()
    {
        var run = BicepCli.Run(BicepCli.InfraDirectory, new Dictionary<string, string?> { ["AOAI_KEY_HASH_PEPPER"] = InfraSnapshot.TestPepper },
            "build-params", "main.bicepparam", "--stdout");

        Assert.True(run.ExitCode == 0, $"bicep build-params failed:\n{run.StandardError}");
        Assert.Empty(BicepCli.Diagnostics(run));
    }

    [Fact]
    public void TheLinterCheck_CanFail_OnAWarning()
    {
        // The tests above are only worth something if a linter warning under this bicepconfig.json shows up.
        var directory = Directory.CreateTempSubdirectory("aoai-bicep-lint-");
        try
        {
            File.Copy(Path.Combine(BicepCli.InfraDirectory, "bicepconfig.json"), Path.Combine(directory.FullName, "bicepconfig.json"));
            File.WriteAllText(Path.Combine(directory.FullName, "unused.bicep"), "param notUsed string\n");

            var run = BicepCli.Run(directory.FullName, "lint", "unused.bicep");

            Assert.Contains(BicepCli.Diagnostics(run), d => d.Contains("no-unused-params", StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void EveryLinterRuleTurnedOff_SaysWhy()
    {
        var lines = File.ReadAllLines(Path.Combine(BicepCli.InfraDirectory, "bicepconfig.json"));
        for (var i = 0; i < lines.Length; i++)
        {
            var match = OffRule().Match(lines[i]);
            if (!match.Success) continue;

            // A rule at "off" needs a comment right above it (a justification, not a blank).
            var j = i - 1;
            var comment = new List<string>();
            while (j >= 0 && lines[j].TrimStart().StartsWith("//", StringComparison.Ordinal)) comment.Add(lines[j--]);
            Assert.True(string.Join(' ', comment).Length > 40,
                $"bicepconfig.json turns off '{match.Groups[1].Value}' without a comment saying why (line {i + 1}).");
        }
    }

    [Fact]
    public void EverySuppressedDiagnostic_SaysWhy()
    {
        foreach (var file in Directory.GetFiles(BicepCli.InfraDirectory, "*.bicep*", SearchOption.AllDirectories))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (!lines[i].TrimStart().StartsWith("#disable", StringComparison.Ordinal)) continue;
                Assert.True(i > 0 && lines[i - 1].TrimStart().StartsWith("//", StringComparison.Ordinal),
                    $"{Path.GetFileName(file)} line {i + 1} suppresses a diagnostic without a comment above it saying why.");
            }
        }
    }

    [Fact]
    public void BicepConfig_KeepsTheSecurityRules_AsErrors()
    {
        var json = string.Join('\n', File.ReadAllLines(Path.Combine(BicepCli.InfraDirectory, "bicepconfig.json"))
            .Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)));
        var rules = JsonNode.Parse(json)!["analyzers"]!["core"]!["rules"]!;

        foreach (var rule in new[]
                 {
                     "outputs-should-not-contain-secrets", "secure-parameter-default", "secure-secrets-in-params",
                     "use-secure-value-for-secure-inputs", "protect-commandtoexecute-secrets", "adminusername-should-not-be-literal",
                 })
        {
            Assert.Equal("error", (string?)rules[rule]?["level"]);
        }
    }

    [GeneratedRegex("\"([a-z0-9-]+)\"\\s*:\\s*\\{\\s*\"level\"\\s*:\\s*\"off\"")]
    private static partial Regex OffRule();
}
