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

    /// <summary>Fields of an entry in the current schema version: <c>v</c> and the packed event <c>e</c>.</summary>
    public const int StreamFieldCount = 2;

    /// <summary>
    /// The fields of the event in the order of the packed form (schema version 2): the <c>e</c> field holds a JSON
    /// array of these values, names as strings, numbers and flags (0 / 1) as integers.
    /// </summary>
    public static IReadOnlyList<string> PackedOrder => Packed;

    private static readonly string[] Packed =
    [
        UsageFields.RequestId, UsageFields.Timestamp, UsageFields.Client, UsageFields.Model, UsageFields.PricedModel,
        UsageFields.Deployment, UsageFields.Region, UsageFields.InputTokens, UsageFields.CachedInputTokens,
        UsageFields.OutputTokens, UsageFields.CacheHit, UsageFields.SavedInputTokens, UsageFields.SavedOutputTokens,
        UsageFields.Status, UsageFields.LatencyMs, UsageFields.TimeToFirstByteMs, UsageFields.Stream,
    ];

    // Which packed positions hold names (JSON strings); the others hold integers.
    private static readonly bool[] PackedIsName = Packed.Select(IsNameField).ToArray();

    private static bool IsNameField(string field) => field is UsageFields.RequestId or UsageFields.Client or UsageFields.Model
        or UsageFields.PricedModel or UsageFields.Deployment or UsageFields.Region;

    /// <summary>The entry's fields for <c>XADD</c>, in the current schema version.</summary>
    public NameValueEntry[] ToStreamFields()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            WritePacked(writer);
        }

        Span<RedisValue> values = new RedisValue[2 * StreamFieldCount];
        CopyStreamValues(values, buffer.WrittenMemory);
        return [new NameValueEntry(values[0], values[1]), new NameValueEntry(values[2], values[3])];
    }

    /// <summary>
    /// An entry's fields as <c>XADD</c> arguments (name, value, ...) into <paramref name="destination"/>, which holds
    /// <c>2 * </c><see cref="StreamFieldCount"/> values; <paramref name="packed"/> is what <see cref="WritePacked"/> wrote.
    /// </summary>
    public static void CopyStreamValues(Span<RedisValue> destination, ReadOnlyMemory<byte> packed)
    {
        destination[0] = UsageFields.Version;
        destination[1] = UsageStream.SchemaVersion;
        destination[2] = UsageFields.Event;
        destination[3] = packed;
    }

    /// <summary>
    /// Writes the packed form (the value of field <c>e</c>): one JSON array in <see cref="PackedOrder"/>. One value per
    /// entry instead of one field per value is what keeps an append cheap for Redis (docs/costs.md).
    /// </summary>
    public void WritePacked(System.Text.Json.Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(RequestId);
        writer.WriteNumberValue(Timestamp.ToUnixTimeMilliseconds());
        writer.WriteStringValue(ClientId);
        writer.WriteStringValue(Model);
        writer.WriteStringValue(PricedModel);
        writer.WriteStringValue(Deployment);
        writer.WriteStringValue(Region);
        writer.WriteNumberValue(InputTokens);
        writer.WriteNumberValue(CachedInputTokens);
        writer.WriteNumberValue(OutputTokens);
        writer.WriteNumberValue(CacheHit ? 1 : 0);
        writer.WriteNumberValue(SavedInputTokens);
        writer.WriteNumberValue(SavedOutputTokens);
        writer.WriteNumberValue(Status);
        writer.WriteNumberValue(LatencyMs);
        writer.WriteNumberValue(TimeToFirstByteMs);
        writer.WriteNumberValue(Streamed ? 1 : 0);
        writer.WriteEndArray();
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

        if (fields.TryGetValue(UsageFields.Event, out _) || fields.GetValueOrDefault(UsageFields.Version) == "2")
        {
            if (!TryUnpack(entry, fields, out error)) return false;
        }

        return TryParse(fields, out usage, out error);
    }

    /// <summary>
    /// Schema version 2: exactly the fields <c>v</c> = 2 and <c>e</c>, the JSON array of <see cref="PackedOrder"/>.
    /// Its values replace <c>e</c> in <paramref name="fields"/>, so both versions are checked by the same rules.
    /// </summary>
    private static bool TryUnpack(StreamEntry entry, Dictionary<string, string> fields, [NotNullWhen(false)] out string? error)
    {
        if (fields.GetValueOrDefault(UsageFields.Version) != "2")
        {
            error = $"field '{UsageFields.Event}' belongs to schema version 2";
            return false;
        }

        foreach (var name in fields.Keys)
        {
            if (name is not (UsageFields.Version or UsageFields.Event))
            {
                error = $"field '{Truncate(name)}' is not part of schema version 2";
                return false;
            }
        }

        byte[]? packed = null;
        foreach (var pair in entry.Values)
        {
            if (pair.Name == UsageFields.Event) packed = (byte[]?)pair.Value;
        }

        if (packed is null)
        {
            error = $"field '{UsageFields.Event}' is missing";
            return false;
        }

        fields.Remove(UsageFields.Event);
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(packed);
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartArray)
            {
                error = $"field '{UsageFields.Event}' is not a JSON array";
                return false;
            }

            for (var i = 0; i < Packed.Length; i++)
            {
                if (!reader.Read() || reader.TokenType == System.Text.Json.JsonTokenType.EndArray)
                {
                    error = $"field '{UsageFields.Event}' has {i} values, not {Packed.Length}";
                    return false;
                }

                var expected = PackedIsName[i] ? System.Text.Json.JsonTokenType.String : System.Text.Json.JsonTokenType.Number;
                if (reader.TokenType != expected)
                {
                    error = $"field '{Packed[i]}' is not a JSON {(PackedIsName[i] ? "string" : "number")}";
                    return false;
                }

                fields[Packed[i]] = PackedIsName[i] ? reader.GetString()! : System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
            }

            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.EndArray || reader.Read())
            {
                error = $"field '{UsageFields.Event}' has more than {Packed.Length} values";
                return false;
            }
        }
        catch (System.Text.Json.JsonException)
        {
            error = $"field '{UsageFields.Event}' is not valid JSON";
            return false;
        }

        error = null;
        return true;
    }

    private static string Truncate(string name) => name.Length <= 32 ? name : name[..32] + "...";

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
