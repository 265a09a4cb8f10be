using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace AspireAoai.Accounting.Usage;

/// <summary>
/// The rules every usage event read from the stream must meet, whatever its schema version: required names present,
/// names short and free of characters Cosmos ids or aggregate ids cannot hold, integers non-negative, flags 0 or 1,
/// parts no larger than the whole, a plausible time and an HTTP status. An event that breaks one is dead-lettered,
/// never billed by guess.
/// </summary>
internal static class UsageEventValidation
{
    /// <summary>
    /// The event named by <paramref name="f"/>: field name to value as text, with <c>v</c> giving the schema version,
    /// which decides which fields must be there (<c>est</c> from version 4, <c>rout</c>, <c>ain</c>, <c>aout</c> and
    /// <c>scin</c> from version 5). Returns false with a short reason that names fields, never values.
    /// </summary>
    internal static bool TryCreate(Dictionary<string, string> f, [NotNullWhen(true)] out UsageEvent? usage, [NotNullWhen(false)] out string? error)
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
        else if (raw.Length > UsageEvent.MaxNameLength) error = $"field '{name}' is longer than {UsageEvent.MaxNameLength} characters";
        else if (raw.AsSpan().ContainsAny(ForbiddenNameChars)) error = $"field '{name}' contains a character not allowed in ids";
        return error is null;
    }

    // Cosmos DB ids may not contain '/', '\', '?' or '#'; names become part of aggregate ids, '|' separates them.
    private static readonly SearchValues<char> ForbiddenNameChars =
        SearchValues.Create("/\\?#|\r\n\t\0");

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
