using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using StackExchange.Redis;

namespace AspireAoai.Accounting.Usage;

/// <summary>
/// One proxied request's usage, as the Api writes it to the <see cref="UsageStream.Key"/> stream and the
/// Worker reads it back. Field names on the wire are in <see cref="UsageFields"/>; docs/costs.md describes them.
/// </summary>
/// <param name="RequestId">The gateway's request id (<c>rid</c>).</param>
/// <param name="Timestamp">When the request was received, UTC, millisecond precision (<c>ts</c>).</param>
/// <param name="ClientId">The authenticated client (<c>client</c>); the partition key of cost records.</param>
/// <param name="Model">The logical model the client asked for (<c>model</c>).</param>
/// <param name="PricedModel">The model name to price with, when the Api knows it (<c>priced</c>), else empty.</param>
/// <param name="Deployment">The deployment Name that served it (<c>dep</c>); empty when none did.</param>
/// <param name="Region">The deployment's region (<c>region</c>), may be empty.</param>
/// <param name="InputTokens">Prompt tokens including cached ones (<c>in</c>).</param>
/// <param name="CachedInputTokens">The part of <paramref name="InputTokens"/> served from the prompt cache (<c>cin</c>).</param>
/// <param name="OutputTokens">Completion tokens (<c>out</c>).</param>
/// <param name="CacheHit">Answered from the gateway's response cache (<c>hit</c>).</param>
/// <param name="SavedInputTokens">Input tokens a cache hit saved (<c>sin</c>).</param>
/// <param name="SavedOutputTokens">Output tokens a cache hit saved (<c>sout</c>).</param>
/// <param name="Status">HTTP status returned to the client (<c>status</c>).</param>
/// <param name="LatencyMs">Total time to the last byte (<c>lat</c>).</param>
/// <param name="TimeToFirstByteMs">Time to the first response byte (<c>ttfb</c>).</param>
/// <param name="Streamed">Answered as server-sent events (<c>stream</c>).</param>
public sealed record UsageEvent(
    string RequestId,
    DateTimeOffset Timestamp,
    string ClientId,
    string Model,
    string PricedModel,
    string Deployment,
    string Region,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    bool CacheHit,
    long SavedInputTokens,
    long SavedOutputTokens,
    int Status,
    long LatencyMs,
    long TimeToFirstByteMs,
    bool Streamed)
{
    /// <summary>Longest accepted client id, model, deployment or region (Cosmos ids are at most 255 characters).</summary>
    public const int MaxNameLength = 100;

    /// <summary>Whether the request failed from the client's point of view (status 400 or above).</summary>
    public bool IsError => Status >= 400;

    /// <summary>The name to look the price up with: the priced model when given, else the requested model.</summary>
    public string PriceLookupName => PricedModel.Length > 0 ? PricedModel : Model;

    /// <summary>Fields of an entry in the current schema version.</summary>
    public const int StreamFieldCount = 18;

    /// <summary>The entry's fields for <c>XADD</c>, in the current schema version.</summary>
    public NameValueEntry[] ToStreamFields()
    {
        Span<RedisValue> values = new RedisValue[2 * StreamFieldCount];
        CopyStreamValues(values);
        var fields = new NameValueEntry[StreamFieldCount];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = new NameValueEntry(values[2 * i], values[(2 * i) + 1]);
        }

        return fields;
    }

    /// <summary>
    /// The entry's fields as <c>XADD</c> arguments (name, value, name, value, ...) into <paramref name="destination"/>,
    /// which holds <c>2 * </c><see cref="StreamFieldCount"/> values: the writer's path, without a per-event array.
    /// </summary>
    public void CopyStreamValues(Span<RedisValue> destination)
    {
        destination[0] = UsageFields.Version;
        destination[1] = UsageStream.SchemaVersion;
        destination[2] = UsageFields.RequestId;
        destination[3] = RequestId;
        destination[4] = UsageFields.Timestamp;
        destination[5] = Timestamp.ToUnixTimeMilliseconds();
        destination[6] = UsageFields.Client;
        destination[7] = ClientId;
        destination[8] = UsageFields.Model;
        destination[9] = Model;
        destination[10] = UsageFields.PricedModel;
        destination[11] = PricedModel;
        destination[12] = UsageFields.Deployment;
        destination[13] = Deployment;
        destination[14] = UsageFields.Region;
        destination[15] = Region;
        destination[16] = UsageFields.InputTokens;
        destination[17] = InputTokens;
        destination[18] = UsageFields.CachedInputTokens;
        destination[19] = CachedInputTokens;
        destination[20] = UsageFields.OutputTokens;
        destination[21] = OutputTokens;
        destination[22] = UsageFields.CacheHit;
        destination[23] = CacheHit ? 1 : 0;
        destination[24] = UsageFields.SavedInputTokens;
        destination[25] = SavedInputTokens;
        destination[26] = UsageFields.SavedOutputTokens;
        destination[27] = SavedOutputTokens;
        destination[28] = UsageFields.Status;
        destination[29] = Status;
        destination[30] = UsageFields.LatencyMs;
        destination[31] = LatencyMs;
        destination[32] = UsageFields.TimeToFirstByteMs;
        destination[33] = TimeToFirstByteMs;
        destination[34] = UsageFields.Stream;
        destination[35] = Streamed ? 1 : 0;
    }

    /// <summary>
    /// Reads a stream entry. Returns false with a short reason (safe to log: it never contains values)
    /// when the entry is malformed; such entries are dead-lettered, never retried.
    /// </summary>
    public static bool TryParse(StreamEntry entry, [NotNullWhen(true)] out UsageEvent? usage, [NotNullWhen(false)] out string? error)
    {
        usage = null;
        if (entry.IsNull || entry.Values is null || entry.Values.Length == 0)
        {
            error = "entry has no fields";
            return false;
        }

        var fields = new Dictionary<string, string>(entry.Values.Length, StringComparer.Ordinal);
        foreach (var pair in entry.Values)
        {
            var name = (string?)pair.Name;
            if (name is null || pair.Value.IsNull)
            {
                error = "entry has a null field";
                return false;
            }

            // A duplicated field is ambiguous: which one would be billed?
            if (!fields.TryAdd(name, (string)pair.Value!))
            {
                error = $"field '{name}' appears twice";
                return false;
            }
        }

        return TryParse(fields, out usage, out error);
    }

    private static bool TryParse(Dictionary<string, string> f, [NotNullWhen(true)] out UsageEvent? usage, [NotNullWhen(false)] out string? error)
    {
        usage = null;
        if (!Int(f, UsageFields.Version, out var version, out error)) return false;
        if (version < 1 || version > UsageStream.SchemaVersion)
        {
            error = $"unsupported schema version {version}";
            return false;
        }

        if (!Name(f, UsageFields.RequestId, required: true, out var rid, out error)) return false;
        if (!Long(f, UsageFields.Timestamp, out var ts, out error)) return false;
        // 2000-01-01 .. 9999: anything else is a unit mistake (seconds, ticks) rather than a real time.
        if (ts < 946_684_800_000 || ts > 253_402_300_799_999)
        {
            error = $"field '{UsageFields.Timestamp}' is not a UTC unix time in milliseconds";
            return false;
        }

        if (!Name(f, UsageFields.Client, required: true, out var client, out error)) return false;
        if (!Name(f, UsageFields.Model, required: true, out var model, out error)) return false;
        if (!Name(f, UsageFields.PricedModel, required: false, out var priced, out error)) return false;
        if (!Name(f, UsageFields.Deployment, required: false, out var dep, out error)) return false;
        if (!Name(f, UsageFields.Region, required: false, out var region, out error)) return false;
        if (!Long(f, UsageFields.InputTokens, out var input, out error)) return false;
        if (!Long(f, UsageFields.CachedInputTokens, out var cachedInput, out error)) return false;
        if (!Long(f, UsageFields.OutputTokens, out var output, out error)) return false;
        if (!Flag(f, UsageFields.CacheHit, out var hit, out error)) return false;
        if (!Long(f, UsageFields.SavedInputTokens, out var savedIn, out error)) return false;
        if (!Long(f, UsageFields.SavedOutputTokens, out var savedOut, out error)) return false;
        if (!Int(f, UsageFields.Status, out var status, out error)) return false;
        if (!Long(f, UsageFields.LatencyMs, out var latency, out error)) return false;
        if (!Long(f, UsageFields.TimeToFirstByteMs, out var ttfb, out error)) return false;
        if (!Flag(f, UsageFields.Stream, out var streamed, out error)) return false;

        if (cachedInput > input)
        {
            error = $"field '{UsageFields.CachedInputTokens}' exceeds '{UsageFields.InputTokens}'";
            return false;
        }

        if (status is < 100 or > 599)
        {
            error = $"field '{UsageFields.Status}' is not an HTTP status";
            return false;
        }

        usage = new UsageEvent(rid, DateTimeOffset.FromUnixTimeMilliseconds(ts), client, model, priced, dep, region,
            input, cachedInput, output, hit, savedIn, savedOut, status, latency, ttfb, streamed);
        return true;
    }

    private static bool Name(Dictionary<string, string> f, string name, bool required, out string value, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (!f.TryGetValue(name, out var raw))
        {
            value = "";
            if (required) error = $"field '{name}' is missing";
            return !required;
        }

        value = raw;
        if (required && raw.Length == 0) error = $"field '{name}' is empty";
        else if (raw.Length > MaxNameLength) error = $"field '{name}' is longer than {MaxNameLength} characters";
        else if (raw.AsSpan().ContainsAny(ForbiddenNameChars)) error = $"field '{name}' contains a character not allowed in ids";
        return error is null;
    }

    // Cosmos DB ids may not contain '/', '\', '?' or '#'; names become part of aggregate ids, '|' separates them.
    private static readonly System.Buffers.SearchValues<char> ForbiddenNameChars =
        System.Buffers.SearchValues.Create("/\\?#|\r\n\t\0");

    private static bool Long(Dictionary<string, string> f, string name, out long value, [NotNullWhen(false)] out string? error)
    {
        error = null;
        value = 0;
        if (!f.TryGetValue(name, out var raw)) error = $"field '{name}' is missing";
        else if (!long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out value))
            error = $"field '{name}' is not a non-negative integer";
        return error is null;
    }

    private static bool Int(Dictionary<string, string> f, string name, out int value, [NotNullWhen(false)] out string? error)
    {
        value = 0;
        if (!Long(f, name, out var wide, out error)) return false;
        if (wide > int.MaxValue)
        {
            error = $"field '{name}' is out of range";
            return false;
        }

        value = (int)wide;
        return true;
    }

    private static bool Flag(Dictionary<string, string> f, string name, out bool value, [NotNullWhen(false)] out string? error)
    {
        value = false;
        if (!Long(f, name, out var raw, out error)) return false;
        if (raw > 1)
        {
            error = $"field '{name}' is not 0 or 1";
            return false;
        }

        value = raw == 1;
        return true;
    }
}
