using System.Text.Json;
using AspireAoai.Simulator.Chat;

namespace AspireAoai.Simulator.Responses;

/// <summary>Reads typed values of a Responses body, refusing a wrong type with OpenAI's message, param and code.</summary>
internal static class RequestValues
{
    /// <summary>
    /// The value re-written without whitespace. Echoed values must not keep the caller's formatting: a newline
    /// inside a <c>data:</c> line would split the SSE event (pretty-printed tool schemas are common).
    /// </summary>
    internal static string Compact(JsonElement value)
    {
        using var buffer = new Http.PooledBufferWriter(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            value.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenMemory.Span);
    }

    internal static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    internal static string? OptionalString(JsonElement value, string param) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        _ => throw new InvalidRequestException($"Invalid type for '{param}': expected a string, but got {Describe(value)} instead.", param, "invalid_type"),
    };

    internal static string? OptionalObject(JsonElement value, string param) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Object => Compact(value),
        _ => throw new InvalidRequestException($"Invalid type for '{param}': expected an object, but got {Describe(value)} instead.", param, "invalid_type"),
    };

    internal static int? OptionalInt(JsonElement value, string param)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            return number;
        }

        throw new InvalidRequestException($"Invalid type for '{param}': expected an integer, but got {Describe(value)} instead.", param, "invalid_type");
    }

    internal static double? OptionalNumber(JsonElement value, string param, double min, double max)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw new InvalidRequestException($"Invalid type for '{param}': expected a decimal, but got {Describe(value)} instead.", param, "invalid_type");
        }

        var number = value.GetDouble();
        if (number < min || number > max)
        {
            throw new InvalidRequestException(
                $"Invalid '{param}': decimal {(number < min ? "below minimum" : "above maximum")} value. Expected a value {(number < min ? ">= " + min : "<= " + max)}, but got {value.GetRawText()} instead.",
                param, number < min ? "decimal_below_min_value" : "decimal_above_max_value");
        }

        return number;
    }

    internal static bool? OptionalBool(JsonElement value, string param) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new InvalidRequestException($"Invalid type for '{param}': expected a boolean, but got {Describe(value)} instead.", param, "invalid_type"),
    };
}
