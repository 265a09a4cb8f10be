namespace AspireAoai.Infra.Tests.Docs;

/// <summary>The repository's C# source files (never bin/ or obj/ output), read once per test run.</summary>
internal static class SourceFiles
{
    public static string Root => Bicep.BicepCli.RepositoryRoot;

    /// <summary>Every .cs file under <paramref name="directory"/> (relative to the repository root), skipping build output.</summary>
    public static IEnumerable<string> CSharp(string directory = "")
    {
        var start = Path.Combine(Root, directory);
        foreach (var file in Directory.EnumerateFiles(start, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Root, file).Replace('\\', '/');
            if (relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal) ||
                relative.Contains("node_modules/", StringComparison.Ordinal) || relative.StartsWith(".", StringComparison.Ordinal))
            {
                continue;
            }

            yield return relative;
        }
    }

    /// <summary>The text of a repository-relative file.</summary>
    public static string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative));
}
