using AspireAoai.Accounting.Usage;
using StackExchange.Redis;

namespace AspireAoai.Accounting.Tests.Usage;

public class UsageEventCodecTests
{
    private static readonly UsageEvent Sample = new("req-42", DateTimeOffset.FromUnixTimeMilliseconds(1_732_000_000_123), "client-a",
        "gpt-4o", "gpt-4o-2024-11-20", "eastus-primary", "eastus", 1200, 200, 300, false, 0, 0, 200, 850, 120, true);

    private static StreamEntry Entry(params NameValueEntry[] fields) => new("1-0", fields);

    /// <summary>The entry as schema version 1 wrote it (one field per value), as older replicas still may.</summary>
    private static NameValueEntry[] Version1(UsageEvent e) =>
    [
        new("v", 1), new("rid", e.RequestId), new("ts", e.Timestamp.ToUnixTimeMilliseconds()), new("client", e.ClientId),
        new("model", e.Model), new("priced", e.PricedModel), new("dep", e.Deployment), new("region", e.Region),
        new("in", e.InputTokens), new("cin", e.CachedInputTokens), new("out", e.OutputTokens), new("hit", e.CacheHit ? 1 : 0),
        new("sin", e.SavedInputTokens), new("sout", e.SavedOutputTokens), new("status", e.Status), new("lat", e.LatencyMs),
        new("ttfb", e.TimeToFirstByteMs), new("stream", e.Streamed ? 1 : 0),
    ];

    private static NameValueEntry[] With(string name, RedisValue value) =>
        Version1(Sample).Select(f => f.Name == name ? new NameValueEntry(name, value) : f).ToArray();

    private static NameValueEntry[] Without(string name) =>
        Version1(Sample).Where(f => f.Name != name).ToArray();

    private static NameValueEntry[] Packed(string json) => [new("v", 2), new("e", json)];

    private static NameValueEntry[] PackedEvents(string json) => [new("v", 3), new("e", json)];

    private static NameValueEntry[] PackedEventsV4(string json) => [new("v", 4), new("e", json)];

    private static NameValueEntry[] PackedEventsV5(string json) => [new("v", 5), new("e", json)];

    /// <summary>An event packed as version 4 did: the version 5 form without its last four values.</summary>
    private static string PackedVersion4(UsageEvent e)
    {
        var packed = PackedNow(e);
        Assert.EndsWith(",0,0,0,0]", packed, StringComparison.Ordinal);
        return packed[..^9] + "]";
    }

    private static string PackedNow(UsageEvent e)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            e.WritePacked(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private const string GoodEvent = """["r",1732000000123,"c","m","","","",1,0,1,0,0,0,200,1,1,0]""";

    /// <summary>The entry as schema version 2 wrote it (one packed event), as older replicas still may.</summary>
    private static NameValueEntry[] Version2(UsageEvent e) => Packed(PackedBeforeVersion4(e));

    /// <summary>An event packed as versions 2 and 3 did: the version 4 form without its last value (<c>est</c>).</summary>
    private static string PackedBeforeVersion4(UsageEvent e)
    {
        var packed = PackedVersion4(e);
        Assert.EndsWith(",0]", packed, StringComparison.Ordinal);
        return packed[..^3] + "]";
    }

    [Fact]
    public void ToStreamFields_ThenTryParse_RoundTrips()
    {
        Assert.True(UsageEventCodec.TryParse(Entry(Sample.ToStreamFields()), out var parsed, out var error), error);
        Assert.Equal(Sample, parsed);
    }

    [Fact]
    public void StreamFields_AreTheVersionAndThePackedEvents()
    {
        var fields = Sample.ToStreamFields();

        Assert.Equal(["v", "e"], fields.Select(f => (string)f.Name!));
        Assert.Equal("5", (string?)fields[0].Value);
        Assert.Equal("""[["req-42",1732000000123,"client-a","gpt-4o","gpt-4o-2024-11-20","eastus-primary","eastus",1200,200,300,0,0,0,200,850,120,1,0,0,0,0,0]]""",
            (string?)fields[1].Value);
        Assert.Equal(["rid", "ts", "client", "model", "priced", "dep", "region", "in", "cin", "out", "hit", "sin", "sout",
            "status", "lat", "ttfb", "stream", "est", "rout", "ain", "aout", "scin"], UsageEventCodec.PackedOrder);
    }

    [Fact]
    public void AnEstimatedEvent_RoundTrips_WithItsFlag()
    {
        var estimated = Sample with { Estimated = true };
        Assert.EndsWith(",1,1,0,0,0,0]]", (string?)estimated.ToStreamFields()[1].Value, StringComparison.Ordinal);

        Assert.True(UsageEventCodec.TryParse(Entry(estimated.ToStreamFields()), out var parsed, out var error), error);
        Assert.True(parsed.Estimated);
        Assert.Equal(estimated, parsed);
    }

    [Fact]
    public void Version3Entries_StillParse_AsExactEvents()
    {
        var other = Sample with { RequestId = "req-43" };
        NameValueEntry[] fields = PackedEvents($"[{PackedBeforeVersion4(Sample)},{PackedBeforeVersion4(other)}]");
        var read = new List<UsageEvent>();

        Assert.True(UsageEventCodec.TryParse(Entry(fields), read, out var error), error);
        Assert.Equal([Sample, other], read);
        Assert.All(read, e => Assert.False(e.Estimated));
    }

    [Fact]
    public void Version4Entries_StillParse_WithoutTheVersion5Counts()
    {
        var estimated = Sample with { Estimated = true };
        var read = new List<UsageEvent>();

        Assert.True(UsageEventCodec.TryParse(Entry(PackedEventsV4($"[{PackedVersion4(estimated)}]")), read, out var error), error);
        Assert.Equal([estimated], read);
        Assert.Equal(0, read[0].ReasoningTokens);
    }

    [Fact]
    public void Version5Counts_RoundTrip()
    {
        var detailed = Sample with { ReasoningTokens = 250, AudioInputTokens = 100, AudioOutputTokens = 40, SavedCachedInputTokens = 0 };

        Assert.True(UsageEventCodec.TryParse(Entry(detailed.ToStreamFields()), out var parsed, out var error), error);
        Assert.Equal(detailed, parsed);
        Assert.Equal(250, parsed.ReasoningTokens);
    }

    [Fact]
    public void Version1Entries_StillParse()
    {
        Assert.True(UsageEventCodec.TryParse(Entry(Version1(Sample)), out var parsed, out var error), error);
        Assert.Equal(Sample, parsed);
    }

    [Fact]
    public void Version2Entries_StillParse()
    {
        Assert.True(UsageEventCodec.TryParse(Entry(Version2(Sample)), out var parsed, out var error), error);
        Assert.Equal(Sample, parsed);
    }

    [Fact]
    public void AnEntryOfSeveralEvents_RoundTrips_AndIsNoSingleEvent()
    {
        UsageEvent[] events = [Sample, Sample with { RequestId = "req-43", OutputTokens = 7 }, Sample with { RequestId = "req-44", ClientId = "client-b" }];
        var read = new List<UsageEvent> { Sample };

        Assert.True(UsageEventCodec.TryParse(Entry(UsageEventCodec.ToStreamFields(events)), read, out var error), error);
        Assert.Equal([Sample, .. events], read);
        Assert.False(UsageEventCodec.TryParse(Entry(UsageEventCodec.ToStreamFields(events)), out _, out error));
        Assert.Equal("entry holds 3 events, not one", error);
    }

    [Fact]
    public void AnEntryWithOneBadEvent_AddsNoneOfItsEvents()
    {
        var read = new List<UsageEvent> { Sample };
        var bad = GoodEvent.Replace("200,1,1,0]", "42,1,1,0]", StringComparison.Ordinal);

        Assert.False(UsageEventCodec.TryParse(Entry(PackedEvents($"[{GoodEvent},{GoodEvent},{bad}]")), read, out var error));
        Assert.Equal("event 2: field 'status' is not an HTTP status", error);
        Assert.Equal([Sample], read);
    }

    [Fact]
    public void PackedNames_MayHoldAnyCharacterTheRulesAllow()
    {
        var unusual = Sample with { Model = "gpt-4o \"mini\" é", PricedModel = "" };

        Assert.True(UsageEventCodec.TryParse(Entry(unusual.ToStreamFields()), out var parsed, out var error), error);
        Assert.Equal(unusual, parsed);
    }

    [Fact]
    public void OptionalNames_MayBeEmptyOrMissing()
    {
        var fields = Without(UsageFields.PricedModel).Where(f => f.Name != UsageFields.Region)
            .Select(f => f.Name == UsageFields.Deployment ? new NameValueEntry(f.Name, "") : f).ToArray();

        Assert.True(UsageEventCodec.TryParse(Entry(fields), out var parsed, out var error), error);
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
        { "unsupported schema version 6", With(UsageFields.Version, "6") },
        { "field 'e' belongs to schema versions 2 to 5", [.. Version1(Sample), new NameValueEntry("e", "[]")] },
        { "field 'rid' is not part of schema version 5", [.. Sample.ToStreamFields(), new NameValueEntry("rid", "x")] },
        { "event 0: field 'e' has 18 values, not 22", PackedEventsV5($"[{GoodEvent[..^1]},0]]") },
        { "event 0: field 'rout' or 'aout' exceeds 'out'", PackedEventsV5($"[{GoodEvent[..^1]},0,5,0,0,0]]") },
        { "event 0: field 'ain' or 'scin' exceeds the tokens it is part of", PackedEventsV5($"[{GoodEvent[..^1]},0,0,0,0,3]]") },
        { "event 0: field 'e' has more than 17 values", PackedEvents($"[{GoodEvent[..^1]},1]]") },
        { "event 0: field 'e' has 17 values, not 18", PackedEventsV4($"[{GoodEvent}]") },
        { "event 0: field 'est' is not 0 or 1", PackedEventsV4($"[{GoodEvent[..^1]},2]]") },
        { "field 'rid' is not part of schema version 2", [.. Version2(Sample), new NameValueEntry("rid", "x")] },
        { "field 'e' holds no events", PackedEvents("[]") },
        { "field 'e' holds a value that is not an event", PackedEvents($"[{GoodEvent},7]") },
        { "field 'e' is not a JSON array", PackedEvents("{}") },
        { "field 'e' is not valid JSON", PackedEvents($"[{GoodEvent}] 5") },
        { "event 1: field 'in' is not a non-negative integer", PackedEvents($"[{GoodEvent},{GoodEvent.Replace(",1,0,1,", ",-1,0,1,", StringComparison.Ordinal)}]") },
        { "event 0: field 'e' has 2 values, not 17", PackedEvents("""[["r",1732000000123]]""") },
        { "field 'e' holds more than 1024 events", PackedEvents("[" + string.Join(",", Enumerable.Repeat(GoodEvent, 1025)) + "]") },
        { "field 'e' is missing", [new NameValueEntry("v", 2)] },
        { "field 'e' is not valid JSON", Packed("[\"req-42\", 17") },
        { "field 'e' is not a JSON array", Packed("{}") },
        { "field 'e' has 2 values, not 17", Packed("[\"req-42\",1732000000123]") },
        { "field 'e' has more than 17 values", Packed("""["r",1732000000123,"c","m","","","",1,0,1,0,0,0,200,1,1,0,9]""") },
        { "field 'ts' is not a JSON number", Packed("""["r","1732000000123","c","m","","","",1,0,1,0,0,0,200,1,1,0]""") },
        { "field 'client' is not a JSON string", Packed("""["r",1732000000123,7,"m","","","",1,0,1,0,0,0,200,1,1,0]""") },
        { "field 'in' is not a non-negative integer", Packed("""["r",1732000000123,"c","m","","","",-1,0,1,0,0,0,200,1,1,0]""") },
        { "field 'model' contains a character not allowed in ids", Packed("""["r",1732000000123,"c","a/b","","","",1,0,1,0,0,0,200,1,1,0]""") },
        { "field 'ts' is not a UTC unix time in milliseconds", With(UsageFields.Timestamp, "1732000000") },
        { "field 'status' is not an HTTP status", With(UsageFields.Status, "42") },
        { "field 'model' contains a character not allowed in ids", With(UsageFields.Model, "gpt/4o") },
        { "field 'dep' contains a character not allowed in ids", With(UsageFields.Deployment, "a|b") },
        { "field 'client' is longer than 100 characters", With(UsageFields.Client, new string('c', 101)) },
        { "field 'rid' appears twice", [.. Version1(Sample), new NameValueEntry(UsageFields.RequestId, "again")] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedEntry_IsRejectedWithAReason(string expected, NameValueEntry[] fields)
    {
        Assert.False(UsageEventCodec.TryParse(Entry(fields), out var parsed, out var error));
        Assert.Null(parsed);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Reasons_NeverContainFieldValues()
    {
        var secretish = "sk-secret-" + new string('0', 120);
        Assert.False(UsageEventCodec.TryParse(Entry(With(UsageFields.Client, secretish)), out _, out var error));
        Assert.DoesNotContain(secretish, error);
    }
}
