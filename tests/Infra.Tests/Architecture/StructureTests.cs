using Xunit.Abstractions;

namespace AspireAoai.Infra.Tests.Architecture;

/// <summary>
/// The Api's structure as issue 18 checks it: folders whose imports run one way, no file of 350 lines or more, and one
/// file per public or significant internal type. Each test fails with the list of what breaks its rule.
/// </summary>
public sealed class StructureTests(ITestOutputHelper output)
{
    /// <summary>The line count a file of the Api must stay under.</summary>
    private const int MaxLines = 350;

    /// <summary>
    /// A top-level type of at most this many lines may live beside its user in a file named otherwise (a small record, enum
    /// or helper); so may a <c>file</c>-scoped type, whatever its size.
    /// </summary>
    private const int SmallTypeLines = 10;

    private static readonly IReadOnlyList<ApiSource> Sources = ApiSource.All();

    [Fact]
    public void NoApiFolder_ImportsAFolderThatImportsItBack_DirectlyOrThroughOthers()
        => Expect(ImportCycles(), "import cycles between folders");

    [Fact]
    public void EveryFileOfTheApi_IsUnder350Lines()
    {
        var found = new List<string>();
        foreach (var source in Sources)
        {
            if (source.Lines >= MaxLines)
            {
                found.Add(source.Path);
            }
        }

        Expect(found, $"files of {MaxLines} lines or more");
    }

    [Fact]
    public void EveryPublicOrSignificantInternalType_LivesInAFileNamedAfterIt()
    {
        var found = new List<string>();
        foreach (var source in Sources)
        {
            var file = Path.GetFileName(source.Path);
            foreach (var (name, visibility, lines) in source.TopLevelTypes())
            {
                var named = file == name + ".cs" || file.StartsWith(name + ".", StringComparison.Ordinal);
                if (!named && visibility != "file" && lines > SmallTypeLines)
                {
                    found.Add($"{source.Path}: {name}");
                }
            }
        }

        Expect(found, "types in a file named otherwise");
    }

    [Fact]
    public void TheImportScan_SeesTheFoldersTheApiRootWires()
    {
        // GatewayApp wires every folder: a scan that found no imports there would pass the cycle test for nothing.
        var imports = new HashSet<string>();
        foreach (var source in Sources)
        {
            if (source.Path == "Api/GatewayApp.cs")
            {
                imports.UnionWith(source.Imports());
            }
        }

        Assert.Contains("RateLimiting", imports);
        Assert.Contains("Caching", imports);
    }

    /// <summary>
    /// Each import cycle between Api folders, as "A -> B -> A" (the root is not a folder: it holds the request object every
    /// step writes to and the composition). A pair that imports each other is the shortest cycle; longer ones count too.
    /// </summary>
    private static List<string> ImportCycles()
    {
        var edges = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var source in Sources)
        {
            if (source.Folder == ApiSource.Root)
            {
                continue;
            }

            if (!edges.TryGetValue(source.Folder, out var to))
            {
                edges[source.Folder] = to = new HashSet<string>(StringComparer.Ordinal);
            }

            to.UnionWith(source.Imports());
            to.Remove(ApiSource.Root);
        }

        return ImportGraph.Cycles(edges);
    }

    private void Expect(List<string> found, string what)
    {
        found.Sort(StringComparer.Ordinal);
        output.WriteLine($"{found.Count} {what}:");
        foreach (var violation in found)
        {
            output.WriteLine("  " + violation);
        }

        Assert.True(found.Count == 0, $"{found.Count} {what}:\n" + string.Join('\n', found));
    }
}
