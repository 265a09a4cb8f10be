using Xunit.Abstractions;

namespace AspireAoai.Infra.Tests.Docs;

/// <summary>
/// The docs (README.md, docs/*.md, bench/README.md) name only files, types, settings and a usage schema version the code
/// has. The rules are on <see cref="DocsCheck"/>; each failure names the doc, the line and what is missing.
/// </summary>
public sealed class DocsCheckTests(ITestOutputHelper output)
{
    private static readonly Lazy<DocsCheck> Check = new(DocsCheck.ForRepository);

    [Fact]
    public void EveryPathTheDocsName_IsAFileOrFolderOfTheRepository()
        => Expect(DocsCheck.MissingPath, "no such file or folder");

    [Fact]
    public void EveryTypeOrMemberTheDocsName_IsDeclaredInTheCode()
        => Expect((_, s) => Check.Value.MissingName(s), "not declared in any .cs file");

    [Fact]
    public void EverySettingTheDocsName_IsBoundByAnOptionsProperty()
        => Expect((_, s) => Check.Value.MissingSetting(s), "not a setting of the code");

    [Fact]
    public void EveryUsageSchemaVersionTheDocsState_IsTheCodesCurrentOne()
    {
        var problems = new List<string>();
        foreach (var doc in DocFiles.All())
        {
            foreach (var (line, text) in DocFiles.Prose(doc))
            {
                if (Check.Value.WrongSchemaVersion(text) is { } wrong)
                {
                    problems.Add($"{doc}:{line}: {wrong}");
                }
            }
        }

        Report(problems);
    }

    [Theory]
    [InlineData("docs/architecture.md", "shared/DESIGN.md")]
    [InlineData("README.md", "Api/Caching/NoSuchFile.cs")]
    [InlineData("README.md", "RateLimiting/NoSuchType")]
    [InlineData("docs/gateway.md", "scripts/nothing.sh")]
    public void APathThatIsNotInTheRepository_IsReported(string doc, string span)
        => Assert.Equal(span, DocsCheck.MissingPath(doc, span));

    [Theory]
    [InlineData("README.md", "Api/Caching/CacheKey.cs")]
    [InlineData("docs/architecture.md", "Routing/")]
    [InlineData("docs/architecture.md", "RateLimiting/ClientGates")]
    [InlineData("README.md", "text/event-stream")]
    public void APathThatIsInTheRepository_OrIsNoPath_IsNotReported(string doc, string span)
        => Assert.Null(DocsCheck.MissingPath(doc, span));

    [Theory]
    [InlineData("NoSuchGatewayType", "NoSuchGatewayType")]
    [InlineData("UsageEvent.NoSuchMember", "NoSuchMember")]
    [InlineData("Api.Tests: NoSuchTests", "NoSuchTests")]
    public void ANameTheCodeDoesNotDeclare_IsReported(string span, string missing)
        => Assert.Equal(missing, Check.Value.MissingName(span));

    [Theory]
    [InlineData("Gateway:Cache:NoSuchSetting", "NoSuchSetting")]
    [InlineData("Gateway__NoSuchSetting=1", "NoSuchSetting")]
    public void ASettingNoOptionsTypeBinds_IsReported(string span, string missing)
        => Assert.Equal(missing, Check.Value.MissingSetting(span));

    [Fact]
    public void ASchemaVersionOtherThanTheCodes_IsReported_UnlessTheSentenceIsAboutHistory()
    {
        var current = Check.Value.SchemaVersion;
        Assert.NotNull(Check.Value.WrongSchemaVersion($"Each event is one packed field (schema version {current - 1})."));
        Assert.NotNull(Check.Value.WrongSchemaVersion($"Since schema version {current + 1} an entry holds more."));
        Assert.Null(Check.Value.WrongSchemaVersion($"Since schema version {current - 1} an entry holds several events."));
        Assert.Null(Check.Value.WrongSchemaVersion($"The entry (schema version {current}) holds the events."));
    }

    /// <summary>Runs <paramref name="check"/> over every code span of every doc and fails with the list of findings.</summary>
    private void Expect(Func<string, string, string?> check, string what)
    {
        var problems = new List<string>();
        foreach (var doc in DocFiles.All())
        {
            foreach (var (line, span) in DocFiles.Spans(doc))
            {
                if (check(doc, span) is { } missing)
                {
                    problems.Add($"{doc}:{line}: `{span}`: {missing} ({what})");
                }
            }
        }

        Report(problems);
    }

    private void Report(List<string> problems)
    {
        foreach (var problem in problems)
        {
            output.WriteLine(problem);
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }
}
