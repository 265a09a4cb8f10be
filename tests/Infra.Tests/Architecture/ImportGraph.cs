namespace AspireAoai.Infra.Tests.Architecture;

/// <summary>Cycles in a graph of folder imports.</summary>
internal static class ImportGraph
{
    /// <summary>
    /// One cycle per strongly connected part of the graph that has one, as "A -> B -> A", each starting at its
    /// alphabetically first folder; empty when the imports run one way.
    /// </summary>
    public static List<string> Cycles(IReadOnlyDictionary<string, HashSet<string>> edges)
    {
        var cycles = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var nodes = new List<string>(edges.Keys);
        nodes.Sort(StringComparer.Ordinal);
        foreach (var start in nodes)
        {
            if (seen.Contains(start))
            {
                continue;
            }

            if (PathBack(edges, start, start, [], new HashSet<string>(StringComparer.Ordinal)) is { } path)
            {
                cycles.Add(start + " -> " + string.Join(" -> ", path));
                seen.UnionWith(path);
            }
        }

        return cycles;
    }

    /// <summary>A path of imports from <paramref name="from"/> back to <paramref name="target"/>, or null.</summary>
    private static List<string>? PathBack(IReadOnlyDictionary<string, HashSet<string>> edges, string from, string target,
        List<string> path, HashSet<string> visited)
    {
        if (!edges.TryGetValue(from, out var next))
        {
            return null;
        }

        var ordered = new List<string>(next);
        ordered.Sort(StringComparer.Ordinal);
        foreach (var to in ordered)
        {
            if (to == target)
            {
                return [.. path, to];
            }

            if (visited.Add(to) && PathBack(edges, to, target, [.. path, to], visited) is { } found)
            {
                return found;
            }
        }

        return null;
    }
}
