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

    /// <summary>
    /// True when the tokens are the gateway's count, not the upstream's (<c>est</c>, schema version 4 on): a stream that
    /// ended without a usage chunk is charged its prompt as counted at admission plus the completion tokens of the text
    /// relayed. Events of older versions are exact (false).
    /// </summary>
    public bool Estimated { get; init; }

    /// <summary>
    /// The part of <see cref="OutputTokens"/> that were reasoning tokens (<c>rout</c>, schema version 5 on:
    /// <c>completion_tokens_details.reasoning_tokens</c>, or <c>output_tokens_details.reasoning_tokens</c> of the
    /// Responses API). Billed as output tokens; recorded so reports can show them. 0 in older events.
    /// </summary>
    public long ReasoningTokens { get; init; }

    /// <summary>The part of <see cref="InputTokens"/> that were audio (<c>ain</c>, version 5 on), priced at the audio input price.</summary>
    public long AudioInputTokens { get; init; }

    /// <summary>The part of <see cref="OutputTokens"/> that were audio (<c>aout</c>, version 5 on), priced at the audio output price.</summary>
    public long AudioOutputTokens { get; init; }

    /// <summary>
    /// The part of <see cref="SavedInputTokens"/> the original answer had from the prompt cache (<c>scin</c>, version 5 on):
    /// a hit's saved cost prices them at the cached-input price.
    /// </summary>
    public long SavedCachedInputTokens { get; init; }

    /// <summary>Whether the request failed from the client's point of view (status 400 or above).</summary>
    public bool IsError => Status >= 400;

    /// <summary>The name to look the price up with: the priced model when given, else the requested model.</summary>
    public string PriceLookupName => PricedModel.Length > 0 ? PricedModel : Model;

    /// <summary>Fields of an entry in the current schema version: <c>v</c> and the packed events <c>e</c>.</summary>
    public const int StreamFieldCount = 2;

    /// <summary>
    /// The fields of the event in the order of the packed form: the <c>e</c> field holds JSON arrays of these values
    /// (one per event), names as strings, numbers and flags (0 / 1) as integers.
    /// </summary>
    public static IReadOnlyList<string> PackedOrder => Packed;

    private static readonly string[] Packed =
    [
        UsageFields.RequestId, UsageFields.Timestamp, UsageFields.Client, UsageFields.Model, UsageFields.PricedModel,
        UsageFields.Deployment, UsageFields.Region, UsageFields.InputTokens, UsageFields.CachedInputTokens,
        UsageFields.OutputTokens, UsageFields.CacheHit, UsageFields.SavedInputTokens, UsageFields.SavedOutputTokens,
        UsageFields.Status, UsageFields.LatencyMs, UsageFields.TimeToFirstByteMs, UsageFields.Stream, UsageFields.Estimated,
        UsageFields.ReasoningTokens, UsageFields.AudioInputTokens, UsageFields.AudioOutputTokens, UsageFields.SavedCachedInputTokens,
    ];

    /// <summary>Values of a packed event in schema version 4, which ends after <see cref="UsageFields.Estimated"/>.</summary>
    private const int PackedV4Length = 18;

    /// <summary>Values of a packed event in schema versions 2 and 3, which end before <see cref="UsageFields.Estimated"/>.</summary>
    private const int PackedV3Length = 17;

    // Which packed positions hold names (JSON strings); the others hold integers.
    private static readonly bool[] PackedIsName = Packed.Select(IsNameField).ToArray();

    private static bool IsNameField(string field) => field is UsageFields.RequestId or UsageFields.Client or UsageFields.Model
        or UsageFields.PricedModel or UsageFields.Deployment or UsageFields.Region;

    /// <summary>The fields for <c>XADD</c> of an entry holding this one event, in the current schema version.</summary>
    public NameValueEntry[] ToStreamFields() => ToStreamFields([this]);

    /// <summary>The fields for <c>XADD</c> of one entry holding <paramref name="events"/>, in the current schema version.</summary>
    public static NameValueEntry[] ToStreamFields(ReadOnlySpan<UsageEvent> events)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(192 * Math.Max(1, events.Length));
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            WriteEntry(writer, events);
        }

        Span<RedisValue> values = new RedisValue[2 * StreamFieldCount];
        CopyStreamValues(values, buffer.WrittenMemory);
        return [new NameValueEntry(values[0], values[1]), new NameValueEntry(values[2], values[3])];
    }

    /// <summary>
    /// An entry's fields as <c>XADD</c> arguments (name, value, ...) into <paramref name="destination"/>, which holds
    /// <c>2 * </c><see cref="StreamFieldCount"/> values; <paramref name="events"/> is what <see cref="WriteEntry"/> wrote.
    /// </summary>
    public static void CopyStreamValues(Span<RedisValue> destination, ReadOnlyMemory<byte> events)
    {
        destination[0] = UsageFields.Version;
        destination[1] = UsageStream.SchemaVersion;
        destination[2] = UsageFields.Event;
        destination[3] = events;
    }

    /// <summary>
    /// Writes the value of field <c>e</c>: a JSON array of the events' packed forms. Several events in one entry, one
    /// value for all of them, is what keeps an append cheap for Redis (docs/costs.md).
    /// </summary>
    public static void WriteEntry(System.Text.Json.Utf8JsonWriter writer, ReadOnlySpan<UsageEvent> events)
    {
        writer.WriteStartArray();
        foreach (var usage in events)
        {
            usage.WritePacked(writer);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes the packed form of this event: one JSON array in <see cref="PackedOrder"/>.</summary>
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
        writer.WriteNumberValue(Estimated ? 1 : 0);
        writer.WriteNumberValue(ReasoningTokens);
        writer.WriteNumberValue(AudioInputTokens);
        writer.WriteNumberValue(AudioOutputTokens);
        writer.WriteNumberValue(SavedCachedInputTokens);
        writer.WriteEndArray();
    }

    /// <summary>
    /// Reads an entry that holds one event (any schema version). Returns false with a short reason (safe to log: it
    /// never contains values) when the entry is malformed or holds several events.
    /// </summary>
    public static bool TryParse(StreamEntry entry, [NotNullWhen(true)] out UsageEvent? usage, [NotNullWhen(false)] out string? error)
    {
        var events = new List<UsageEvent>(1);
        usage = null;
        if (!TryParse(entry, events, out error))
        {
            return false;
        }

        if (events.Count != 1)
        {
            error = $"entry holds {events.Count} events, not one";
            return false;
        }

        usage = events[0];
        return true;
    }

    /// <summary>
    /// Reads a stream entry of any schema version and adds its events to <paramref name="events"/>: one for versions 1
    /// and 2, up to <see cref="UsageStream.MaxEventsPerEntry"/> for versions 3 to 5. Returns false with a short reason (safe to
    /// log: it never contains values), adding nothing, when the entry or any of its events is malformed; such entries are
    /// dead-lettered whole, never retried.
    /// </summary>
    public static bool TryParse(StreamEntry entry, List<UsageEvent> events, [NotNullWhen(false)] out string? error)
    {
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

        var version = fields.GetValueOrDefault(UsageFields.Version);
        if (fields.ContainsKey(UsageFields.Event) || version is "2" or "3" or "4" or "5")
        {
            var first = events.Count;
            if (TryUnpack(entry, fields, events, out error))
            {
                return true;
            }

            events.RemoveRange(first, events.Count - first);
            return false;
        }

        if (!TryParse(fields, out var usage, out error))
        {
            return false;
        }

        events.Add(usage);
        return true;
    }

    /// <summary>
    /// Schema versions 2 to 5: exactly the fields <c>v</c> and <c>e</c>; <c>e</c> is one packed event (version 2) or a
    /// JSON array of them (versions 3 to 5; a version 4 event has one more value, <c>est</c>, a version 5 event four more: <c>rout</c>, <c>ain</c>, <c>aout</c>, <c>scin</c>). Each event's values are checked by the same rules as version 1's fields.
    /// </summary>
    private static bool TryUnpack(StreamEntry entry, Dictionary<string, string> fields, List<UsageEvent> events,
        [NotNullWhen(false)] out string? error)
    {
        var version = fields.GetValueOrDefault(UsageFields.Version);
        if (version is not ("2" or "3" or "4" or "5"))
        {
            error = $"field '{UsageFields.Event}' belongs to schema versions 2 to 5";
            return false;
        }

        foreach (var name in fields.Keys)
        {
            if (name is not (UsageFields.Version or UsageFields.Event))
            {
                error = $"field '{Truncate(name)}' is not part of schema version {version}";
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

        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(packed);
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartArray)
            {
                error = $"field '{UsageFields.Event}' is not a JSON array";
                return false;
            }

            if (version == "2")
            {
                if (!TryUnpackEvent(ref reader, version, events, out error)) return false;
            }
            else
            {
                var index = 0;
                while (reader.Read() && reader.TokenType != System.Text.Json.JsonTokenType.EndArray)
                {
                    if (index == UsageStream.MaxEventsPerEntry)
                    {
                        error = $"field '{UsageFields.Event}' holds more than {UsageStream.MaxEventsPerEntry} events";
                        return false;
                    }

                    if (reader.TokenType != System.Text.Json.JsonTokenType.StartArray)
                    {
                        error = $"field '{UsageFields.Event}' holds a value that is not an event";
                        return false;
                    }

                    if (!TryUnpackEvent(ref reader, version, events, out error))
                    {
                        error = $"event {index}: {error}";
                        return false;
                    }

                    index++;
                }

                if (reader.TokenType != System.Text.Json.JsonTokenType.EndArray)
                {
                    error = $"field '{UsageFields.Event}' is not valid JSON";
                    return false;
                }

                if (index == 0)
                {
                    error = $"field '{UsageFields.Event}' holds no events";
                    return false;
                }
            }

            if (reader.Read())
            {
                error = $"field '{UsageFields.Event}' has more than one JSON value";
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

    /// <summary>One packed event, the reader on its opening bracket; on success the reader is on its closing one.</summary>
    private static bool TryUnpackEvent(ref System.Text.Json.Utf8JsonReader reader, string version, List<UsageEvent> events,
        [NotNullWhen(false)] out string? error)
    {
        var fields = new Dictionary<string, string>(Packed.Length + 1, StringComparer.Ordinal) { [UsageFields.Version] = version };
        var length = version switch { "2" or "3" => PackedV3Length, "4" => PackedV4Length, _ => Packed.Length };
        for (var i = 0; i < length; i++)
        {
            if (!reader.Read() || reader.TokenType == System.Text.Json.JsonTokenType.EndArray)
            {
                error = $"field '{UsageFields.Event}' has {i} values, not {length}";
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

        if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.EndArray)
        {
            error = $"field '{UsageFields.Event}' has more than {length} values";
            return false;
        }

        if (!TryParse(fields, out var usage, out error))
        {
            return false;
        }

        events.Add(usage);
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
        var estimated = false;
        if (version >= 4 && !Flag(f, UsageFields.Estimated, out estimated, out error)) return false;
        long reasoning = 0, audioIn = 0, audioOut = 0, savedCached = 0;
        if (version >= 5)
        {
            if (!Long(f, UsageFields.ReasoningTokens, out reasoning, out error)) return false;
            if (!Long(f, UsageFields.AudioInputTokens, out audioIn, out error)) return false;
            if (!Long(f, UsageFields.AudioOutputTokens, out audioOut, out error)) return false;
            if (!Long(f, UsageFields.SavedCachedInputTokens, out savedCached, out error)) return false;
            if (reasoning > output || audioOut > output)
            {
                error = $"field '{UsageFields.ReasoningTokens}' or '{UsageFields.AudioOutputTokens}' exceeds '{UsageFields.OutputTokens}'";
                return false;
            }

            if (audioIn > input - Math.Min(cachedInput, input) || savedCached > savedIn)
            {
                error = $"field '{UsageFields.AudioInputTokens}' or '{UsageFields.SavedCachedInputTokens}' exceeds the tokens it is part of";
                return false;
            }
        }

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
            input, cachedInput, output, hit, savedIn, savedOut, status, latency, ttfb, streamed)
        {
            Estimated = estimated,
            ReasoningTokens = reasoning,
            AudioInputTokens = audioIn,
            AudioOutputTokens = audioOut,
            SavedCachedInputTokens = savedCached,
        };
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
