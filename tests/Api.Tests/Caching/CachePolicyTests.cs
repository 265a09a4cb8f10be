using AspireAoai.Api.Caching;
using AspireAoai.Api.Parsing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Tests.Caching;

public sealed class CachePolicyTests
{
    private static readonly ReadOnlyMemory<byte> Body = """{"messages":[{"role":"user","content":"hi"}],"temperature":0}"""u8.ToArray();

    private static CachePolicy Policy(Action<CacheOptions>? configure = null)
    {
        var options = new CacheOptions();
        configure?.Invoke(options);
        return new CachePolicy(Options.Create(options));
    }

    private static CacheRequest? Plan(CachePolicy policy, ParsedRequest parsed, string client = "a", OperationKind operation = OperationKind.ChatCompletions,
        params (string Name, string Value)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            dictionary.Append(name, value);
        }

        return policy.Plan(client, operation, parsed, "gpt-4o", Body, dictionary);
    }

    [Fact]
    public void Plan_WhenTemperatureIsZero_LooksUpAndStoresInTheClientsPartitionWithTheDefaultTtl()
    {
        var plan = Plan(Policy(), new ParsedRequest { Temperature = 0 });

        Assert.NotNull(plan);
        Assert.True(plan.Lookup);
        Assert.True(plan.Store);
        Assert.Equal("a", plan.Partition);
        Assert.Equal(TimeSpan.FromHours(24), plan.Ttl);
        Assert.Null(plan.MaxAge);
        Assert.Equal(CacheStatus.Miss, plan.MissStatus);
    }

    [Theory]
    [InlineData(0.7)]
    [InlineData(0.0001)]
    [InlineData(1.0)]
    public void Plan_WhenTemperatureIsNotZero_IsNotCacheable(double temperature)
        => Assert.Null(Plan(Policy(), new ParsedRequest { Temperature = temperature }));

    [Fact]
    public void Plan_WhenTemperatureIsLeftOut_IsNotCacheable_BecauseTheServiceSamplesAtOne()
        => Assert.Null(Plan(Policy(), new ParsedRequest()));

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void Plan_WhenMoreThanOneChoiceIsAsked_IsNotCacheable(int n)
        => Assert.Null(Plan(Policy(), new ParsedRequest { Temperature = 0, N = n }));

    [Fact]
    public void Plan_WhenNIsOne_IsCacheable()
        => Assert.NotNull(Plan(Policy(), new ParsedRequest { Temperature = 0, N = 1 }));

    [Fact]
    public void Plan_WhenASeedIsGivenWithoutTheClientsOptIn_IsNotCacheable()
        => Assert.Null(Plan(Policy(), new ParsedRequest { Temperature = 0.7, Seed = 42 }));

    [Fact]
    public void Plan_WhenASeedIsGivenAndTheClientOptedIn_IsCacheable_AndOtherClientsAreNot()
    {
        var policy = Policy(o => o.Clients["seeded"] = new ClientCacheOptions { AllowSeed = true });

        Assert.NotNull(Plan(policy, new ParsedRequest { Temperature = 0.7, Seed = 42 }, client: "seeded"));
        Assert.Null(Plan(policy, new ParsedRequest { Temperature = 0.7, Seed = 42 }, client: "other"));
    }

    [Fact]
    public void Plan_ForEmbeddings_IsCacheableByDefault_AndNotWhenTurnedOff()
    {
        Assert.NotNull(Plan(Policy(), new ParsedRequest(), operation: OperationKind.Embeddings));
        Assert.Null(Plan(Policy(o => o.CacheEmbeddings = false), new ParsedRequest(), operation: OperationKind.Embeddings));
    }

    [Fact]
    public void Plan_WhenTheClientIsTurnedOff_IsNotCacheable()
    {
        var policy = Policy(o => o.Clients["off"] = new ClientCacheOptions { Enabled = false });
        Assert.Null(Plan(policy, new ParsedRequest { Temperature = 0 }, client: "off"));
        Assert.NotNull(Plan(policy, new ParsedRequest { Temperature = 0 }, client: "on"));
    }

    [Fact]
    public void Plan_WithNoCache_SkipsTheLookupButStoresTheFreshAnswer()
    {
        var plan = Plan(Policy(), new ParsedRequest { Temperature = 0 }, headers: ("cache-control", "no-cache"));

        Assert.NotNull(plan);
        Assert.False(plan.Lookup);
        Assert.True(plan.Store);
        Assert.Equal(CacheStatus.Miss, plan.MissStatus);
    }

    [Fact]
    public void Plan_WithMaxAgeZero_BehavesLikeNoCache()
    {
        var plan = Plan(Policy(), new ParsedRequest { Temperature = 0 }, headers: ("cache-control", "max-age=0"));

        Assert.NotNull(plan);
        Assert.False(plan.Lookup);
        Assert.True(plan.Store);
    }

    [Fact]
    public void Plan_WithNoStore_NeitherReadsNorWrites_AndSaysBypass()
    {
        var plan = Plan(Policy(), new ParsedRequest { Temperature = 0 }, headers: ("cache-control", "no-cache, no-store"));

        Assert.NotNull(plan);
        Assert.False(plan.Lookup);
        Assert.False(plan.Store);
        Assert.Equal(CacheStatus.Bypass, plan.MissStatus);
    }

    [Fact]
    public void Plan_WithATtlHeader_UsesItAsTheEntrysTtlAndTheOldestAcceptableAge()
    {
        var plan = Plan(Policy(), new ParsedRequest { Temperature = 0 }, headers: (CacheStatus.TtlHeaderName, "3600"));

        Assert.Equal(TimeSpan.FromHours(1), plan!.Ttl);
        Assert.Equal(TimeSpan.FromHours(1), plan.MaxAge);
    }

    [Fact]
    public void Plan_WithMaxAge_UsesItAsTheTtl_AndTheTtlHeaderWins()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), Plan(Policy(), new ParsedRequest { Temperature = 0 }, headers: ("cache-control", "max-age=120"))!.Ttl);
        Assert.Equal(TimeSpan.FromSeconds(60), Plan(Policy(), new ParsedRequest { Temperature = 0 },
            headers: [("cache-control", "max-age=120"), (CacheStatus.TtlHeaderName, "60")])!.Ttl);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("1.5")]
    public void Plan_WithAnInvalidTtlHeader_IgnoresIt(string value)
        => Assert.Equal(TimeSpan.FromHours(24), Plan(Policy(), new ParsedRequest { Temperature = 0 }, headers: (CacheStatus.TtlHeaderName, value))!.Ttl);

    [Fact]
    public void Plan_WithATtlAboveTheMaximum_CapsIt()
    {
        var plan = Plan(Policy(o => o.MaxTtl = TimeSpan.FromDays(2)), new ParsedRequest { Temperature = 0 }, headers: (CacheStatus.TtlHeaderName, "99999999"));
        Assert.Equal(TimeSpan.FromDays(2), plan!.Ttl);
    }

    [Fact]
    public void Plan_UsesTheClientsOwnDefaultTtl()
    {
        var policy = Policy(o => o.Clients["short"] = new ClientCacheOptions { DefaultTtl = TimeSpan.FromMinutes(5) });
        Assert.Equal(TimeSpan.FromMinutes(5), Plan(policy, new ParsedRequest { Temperature = 0 }, client: "short")!.Ttl);
        Assert.Equal(TimeSpan.FromHours(24), Plan(policy, new ParsedRequest { Temperature = 0 }, client: "other")!.Ttl);
    }

    [Fact]
    public void Plan_WithASharedNamespace_PutsEveryClientInThePrefixedSharedPartition()
    {
        var policy = Policy(o => o.SharedNamespace = "team");
        Assert.Equal("shared:team", Plan(policy, new ParsedRequest { Temperature = 0 }, client: "a")!.Partition);
        Assert.Equal("shared:team", Plan(policy, new ParsedRequest { Temperature = 0 }, client: "b")!.Partition);
    }

    [Fact]
    public void Plan_WithAClientNamespace_SharesOnlyAmongThoseClients()
    {
        var policy = Policy(o =>
        {
            o.Clients["a"] = new ClientCacheOptions { SharedNamespace = "ab" };
            o.Clients["b"] = new ClientCacheOptions { SharedNamespace = "ab" };
        });
        Assert.Equal("shared:ab", Plan(policy, new ParsedRequest { Temperature = 0 }, client: "a")!.Partition);
        Assert.Equal("shared:ab", Plan(policy, new ParsedRequest { Temperature = 0 }, client: "b")!.Partition);
        Assert.Equal("c", Plan(policy, new ParsedRequest { Temperature = 0 }, client: "c")!.Partition);
    }
}
