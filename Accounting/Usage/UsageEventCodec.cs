using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using StackExchange.Redis;

namespace AspireAoai.Accounting.Usage;

/// <summary>
/// The wire form of <see cref="UsageEvent"/> on the <see cref="UsageStream.Key"/> stream: writes entries in the current
/// schema version (<see cref="UsageStream.SchemaVersion"/>) and reads entries of every version. Version 1 entries (one
/// stream field per value) are read here; versions 2 to 5 (packed JSON in field <c>e</c>) by
/// <see cref="PackedUsageReader"/>; <see cref="UsageEventValidation"/> checks the values of both. The Redis types stay
/// in this one file: the entry is a Redis stream entry for the Api that writes it and the Worker that reads it.
/// </summary>
public static class UsageEventCodec
{
    /// <summary>Fields of an entry in the current schema version: <c>v</c> and the packed events <c>e</c>.</summary>
    public const int StreamFieldCount = 2;

    /// <summary>
    /// The fields of the event in the order of the packed form: the <c>e</c> field holds JSON arrays of these values
    /// (one per event), names as strings, numbers and flags (0 / 1) as integers.
    /// </summary>
    public static IReadOnlyList<string> PackedOrder => Packed;

    /// <summary>The packed order (<see cref="PackedOrder"/>), for the reader.</summary>
    internal static readonly string[] Packed =
    [
        UsageFields.RequestId, UsageFields.Timestamp, UsageFields.Client, UsageFields.Model, UsageFields.PricedModel,
        UsageFields.Deployment, UsageFields.Region, UsageFields.InputTokens, UsageFields.CachedInputTokens,
        UsageFields.OutputTokens, UsageFields.CacheHit, UsageFields.SavedInputTokens, UsageFields.SavedOutputTokens,
        UsageFields.Status, UsageFields.LatencyMs, UsageFields.TimeToFirstByteMs, UsageFields.Stream, UsageFields.Estimated,
        UsageFields.ReasoningTokens, UsageFields.AudioInputTokens, UsageFields.AudioOutputTokens, UsageFields.SavedCachedInputTokens,
    ];

    /// <summary>The fields for <c>XADD</c> of an entry holding this one event, in the current schema version.</summary>
    public static NameValueEntry[] ToStreamFields(this UsageEvent usage) => ToStreamFields([usage]);

    /// <summary>The fields for <c>XADD</c> of one entry holding <paramref name="events"/>, in the current schema version.</summary>
    public static NameValueEntry[] ToStreamFields(ReadOnlySpan<UsageEvent> events)
    {
        var buffer = new ArrayBufferWriter<byte>(192 * Math.Max(1, events.Length));
        using (var writer = new Utf8JsonWriter(buffer))
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
    public static void WriteEntry(Utf8JsonWriter writer, ReadOnlySpan<UsageEvent> events)
    {
        writer.WriteStartArray();
        foreach (var usage in events)
        {
            usage.WritePacked(writer);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes the packed form of one event: one JSON array in <see cref="PackedOrder"/>.</summary>
    public static void WritePacked(this UsageEvent usage, Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(usage.RequestId);
        writer.WriteNumberValue(usage.Timestamp.ToUnixTimeMilliseconds());
        writer.WriteStringValue(usage.ClientId);
        writer.WriteStringValue(usage.Model);
        writer.WriteStringValue(usage.PricedModel);
        writer.WriteStringValue(usage.Deployment);
        writer.WriteStringValue(usage.Region);
        writer.WriteNumberValue(usage.InputTokens);
        writer.WriteNumberValue(usage.CachedInputTokens);
        writer.WriteNumberValue(usage.OutputTokens);
        writer.WriteNumberValue(usage.CacheHit ? 1 : 0);
        writer.WriteNumberValue(usage.SavedInputTokens);
        writer.WriteNumberValue(usage.SavedOutputTokens);
        writer.WriteNumberValue(usage.Status);
        writer.WriteNumberValue(usage.LatencyMs);
        writer.WriteNumberValue(usage.TimeToFirstByteMs);
        writer.WriteNumberValue(usage.Streamed ? 1 : 0);
        writer.WriteNumberValue(usage.Estimated ? 1 : 0);
        writer.WriteNumberValue(usage.ReasoningTokens);
        writer.WriteNumberValue(usage.AudioInputTokens);
        writer.WriteNumberValue(usage.AudioOutputTokens);
        writer.WriteNumberValue(usage.SavedCachedInputTokens);
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
            if (PackedUsageReader.TryUnpack(PackedField(entry), fields, events, out error))
            {
                return true;
            }

            events.RemoveRange(first, events.Count - first);
            return false;
        }

        // Schema version 1: one stream field per value, read as they are.
        if (!UsageEventValidation.TryCreate(fields, out var usage, out error))
        {
            return false;
        }

        events.Add(usage);
        return true;
    }

    /// <summary>The raw bytes of field <c>e</c>, or null when the entry has none.</summary>
    private static byte[]? PackedField(StreamEntry entry)
    {
        byte[]? packed = null;
        foreach (var pair in entry.Values)
        {
            if (pair.Name == UsageFields.Event) packed = (byte[]?)pair.Value;
        }

        return packed;
    }
}
