using AspireAoai.Accounting.Usage;
using StackExchange.Redis;

namespace AspireAoai.Accounting.Tests.Usage;

public class UsageEventTests
{
    private static readonly UsageEvent Sample = new("req-42", DateTimeOffset.FromUnixTimeMilliseconds(1_732_000_000_123), "client-a",
        "gpt-4o", "gpt-4o-2024-11-20", "eastus-primary", "eastus", 1200, 200, 300, false, 0, 0, 200, 850, 120, true);

    private static StreamEntry Entry(params NameValueEntry[] fields) => new("1-0", fields);

    private static NameValueEntry[] With(string name, RedisValue value) =>
        Sample.ToStreamFields().Select(f => f.Name == name ? new NameValueEntry(name, value) : f).ToArray();

    private static NameValueEntry[] Without(string name) =>
        Sample.ToStreamFields().Where(f => f.Name != name).ToArray();

    [Fact]
    public void ToStreamFields_ThenTryParse_RoundTrips()
    {
        Assert.True(UsageEvent.TryParse(Entry(Sample.ToStreamFields()), out var parsed, out var error), error);
        Assert.Equal(Sample, parsed);
    }

    [Fact]
    public void StreamFields_UseTheDocumentedShortNames()
    {
        var names = Sample.ToStreamFields().Select(f => (string)f.Name!).ToArray();

        Assert.Equal(["v", "rid", "ts", "client", "model", "priced", "dep", "region", "in", "cin", "out", "hit", "sin", "sout",
            "status", "lat", "ttfb", "stream"], names);
    }

    [Fact]
    public void OptionalNames_MayBeEmptyOrMissing()
    {
        var fields = Without(UsageFields.PricedModel).Where(f => f.Name != UsageFields.Region)
            .Select(f => f.Name == UsageFields.Deployment ? new NameValueEntry(f.Name, "") : f).ToArray();

        Assert.True(UsageEvent.TryParse(Entry(fields), out var parsed, out var error), error);
        Assert.Equal("", parsed.PricedModel);
        Assert.Equal("", parsed.Deployment);
    }

    public static TheoryData<string, NameValueEntry[]> Malformed => new()
    {
        { "no fields", [] },
        { "field 'client' is missing", Without(UsageFields.Client) },
        { "field 'client' is empty", With(UsageFields.Client, "") },
        { "field 'in' is not a non-negative integer", With(UsageFields.InputTokens, "-5") },
        { "field 'out' is not a non-negative integer", With(UsageFields.OutputTokens, "12.5") },
        { "field 'in' is not a non-negative integer", With(UsageFields.InputTokens, "lots") },
        { "field 'cin' exceeds 'in'", With(UsageFields.CachedInputTokens, "5000") },
        { "field 'hit' is not 0 or 1", With(UsageFields.CacheHit, "2") },
        { "unsupported schema version 2", With(UsageFields.Version, "2") },
        { "field 'ts' is not a UTC unix time in milliseconds", With(UsageFields.Timestamp, "1732000000") },
        { "field 'status' is not an HTTP status", With(UsageFields.Status, "42") },
        { "field 'model' contains a character not allowed in ids", With(UsageFields.Model, "gpt/4o") },
        { "field 'dep' contains a character not allowed in ids", With(UsageFields.Deployment, "a|b") },
        { "field 'client' is longer than 100 characters", With(UsageFields.Client, new string('c', 101)) },
        { "field 'rid' appears twice", [.. Sample.ToStreamFields(), new NameValueEntry(UsageFields.RequestId, "again")] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedEntry_IsRejectedWithAReason(string expected, NameValueEntry[] fields)
    {
        Assert.False(UsageEvent.TryParse(Entry(fields), out var parsed, out var error));
        Assert.Null(parsed);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Reasons_NeverContainFieldValues()
    {
        var secretish = "sk-secret-" + new string('0', 120);
        Assert.False(UsageEvent.TryParse(Entry(With(UsageFields.Client, secretish)), out _, out var error));
        Assert.DoesNotContain(secretish, error);
    }
}
