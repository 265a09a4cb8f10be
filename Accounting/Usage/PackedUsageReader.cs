using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace AspireAoai.Accounting.Usage;

/// <summary>
/// Reads schema versions 2 to 5 of a usage entry: exactly the fields <c>v</c> and <c>e</c>; <c>e</c> is one packed event
/// (version 2) or a JSON array of them (versions 3 to 5). The versions differ only in how many values an event has: 17
/// up to version 3, 18 in version 4 (<c>est</c>), 22 in version 5 (<c>rout</c>, <c>ain</c>, <c>aout</c>, <c>scin</c>).
/// Each event's values are checked by the same rules as version 1's fields (<see cref="UsageEventValidation"/>).
/// </summary>
internal static class PackedUsageReader
{
    /// <summary>Values of a packed event in schema version 4, which ends after <see cref="UsageFields.Estimated"/>.</summary>
    private const int PackedV4Length = 18;

    /// <summary>Values of a packed event in schema versions 2 and 3, which end before <see cref="UsageFields.Estimated"/>.</summary>
    private const int PackedV3Length = 17;

    private static readonly string[] Packed = UsageEventCodec.Packed;

    // Which packed positions hold names (JSON strings); the others hold integers.
    private static readonly bool[] PackedIsName = Packed.Select(IsNameField).ToArray();

    private static bool IsNameField(string field) => field is UsageFields.RequestId or UsageFields.Client or UsageFields.Model
        or UsageFields.PricedModel or UsageFields.Deployment or UsageFields.Region;

    /// <summary>
    /// Adds the events of a version 2 to 5 entry to <paramref name="events"/>. <paramref name="packed"/> is the raw value of
    /// field <c>e</c> (null when missing), <paramref name="fields"/> all the entry's fields as strings. On failure some
    /// events may have been added: the caller removes them.
    /// </summary>
    internal static bool TryUnpack(byte[]? packed, Dictionary<string, string> fields, List<UsageEvent> events,
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

        if (packed is null)
        {
            error = $"field '{UsageFields.Event}' is missing";
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(packed);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                error = $"field '{UsageFields.Event}' is not a JSON array";
                return false;
            }

            if (version == "2")
            {
                if (!TryUnpackEvent(ref reader, version, events, out error)) return false;
            }
            else if (!TryUnpackEvents(ref reader, version, events, out error))
            {
                return false;
            }

            if (reader.Read())
            {
                error = $"field '{UsageFields.Event}' has more than one JSON value";
                return false;
            }
        }
        catch (JsonException)
        {
            error = $"field '{UsageFields.Event}' is not valid JSON";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Versions 3 to 5: a JSON array of packed events, the reader on its opening bracket.</summary>
    private static bool TryUnpackEvents(ref Utf8JsonReader reader, string version, List<UsageEvent> events,
        [NotNullWhen(false)] out string? error)
    {
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (index == UsageStream.MaxEventsPerEntry)
            {
                error = $"field '{UsageFields.Event}' holds more than {UsageStream.MaxEventsPerEntry} events";
                return false;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
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

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            error = $"field '{UsageFields.Event}' is not valid JSON";
            return false;
        }

        if (index == 0)
        {
            error = $"field '{UsageFields.Event}' holds no events";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>One packed event, the reader on its opening bracket; on success the reader is on its closing one.</summary>
    private static bool TryUnpackEvent(ref Utf8JsonReader reader, string version, List<UsageEvent> events,
        [NotNullWhen(false)] out string? error)
    {
        var fields = new Dictionary<string, string>(Packed.Length + 1, StringComparer.Ordinal) { [UsageFields.Version] = version };
        var length = version switch { "2" or "3" => PackedV3Length, "4" => PackedV4Length, _ => Packed.Length };
        for (var i = 0; i < length; i++)
        {
            if (!reader.Read() || reader.TokenType == JsonTokenType.EndArray)
            {
                error = $"field '{UsageFields.Event}' has {i} values, not {length}";
                return false;
            }

            var expected = PackedIsName[i] ? JsonTokenType.String : JsonTokenType.Number;
            if (reader.TokenType != expected)
            {
                error = $"field '{Packed[i]}' is not a JSON {(PackedIsName[i] ? "string" : "number")}";
                return false;
            }

            fields[Packed[i]] = PackedIsName[i] ? reader.GetString()! : Encoding.UTF8.GetString(reader.ValueSpan);
        }

        if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
        {
            error = $"field '{UsageFields.Event}' has more than {length} values";
            return false;
        }

        if (!UsageEventValidation.TryCreate(fields, out var usage, out error))
        {
            return false;
        }

        events.Add(usage);
        return true;
    }

    private static string Truncate(string name) => name.Length <= 32 ? name : name[..32] + "...";
}
