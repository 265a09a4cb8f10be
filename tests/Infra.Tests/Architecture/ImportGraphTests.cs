namespace AspireAoai.Infra.Tests.Architecture;

public sealed class ImportGraphTests
{
    private static Dictionary<string, HashSet<string>> Graph(params (string From, string To)[] imports)
    {
        var edges = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (from, to) in imports)
        {
            if (!edges.TryGetValue(from, out var set))
            {
                edges[from] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(to);
            edges.TryAdd(to, new HashSet<string>(StringComparer.Ordinal));
        }

        return edges;
    }

    [Fact]
    public void ImportsThatRunOneWay_HaveNoCycle() =>
        Assert.Empty(ImportGraph.Cycles(Graph(("Apis", "Forwarding"), ("Forwarding", "Routing"), ("Apis", "Routing"))));

    [Fact]
    public void TwoFoldersImportingEachOther_AreACycle() =>
        Assert.Equal(["Forwarding -> Routing -> Forwarding"], ImportGraph.Cycles(Graph(("Forwarding", "Routing"), ("Routing", "Forwarding"))));

    [Fact]
    public void ALongerLoop_IsACycleToo() =>
        Assert.Equal(["Budgets -> Caching -> Usage -> Budgets"],
            ImportGraph.Cycles(Graph(("Budgets", "Caching"), ("Caching", "Usage"), ("Usage", "Budgets"), ("Apis", "Budgets"))));
}
