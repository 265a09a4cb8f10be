using System.Text.Json;

namespace AspireAoai.Api.Parsing;

/// <summary>
/// The value readers the request parsers share. Each is called with the reader on a property name, reads its value and
/// says whether it has the expected type (JSON <c>null</c> always passes: the field then counts as not given).
/// </summary>
internal static class JsonFields
{
    /// <summary>A string model name; names are few and sent on every request, so their strings are reused (escaped ones decoded as usual).</summary>
    public static bool TryReadModel(ref Utf8JsonReader reader, out string? model)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.String)
        {
            model = null;
            return false;
        }

        model = reader.ValueIsEscaped || reader.HasValueSequence || !System.Text.Unicode.Utf8.IsValid(reader.ValueSpan)
            ? reader.GetString()
            : ModelNameCache.Get(reader.ValueSpan);
        return true;
    }

    /// <summary><c>true</c> or <c>false</c> into <paramref name="value"/>; <c>null</c> leaves it as it was.</summary>
    public static bool TryReadBool(ref Utf8JsonReader reader, ref bool value)
    {
        reader.Read();
        if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
        {
            value = reader.GetBoolean();
            return true;
        }

        return reader.TokenType == JsonTokenType.Null;
    }

    /// <summary>An integer of at least <paramref name="minimum"/> that fits in 32 bits, or <c>null</c>.</summary>
    public static bool TryReadInt(ref Utf8JsonReader reader, int minimum, out int? value)
    {
        reader.Read();
        value = null;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var v) && v >= minimum)
        {
            value = v;
            return true;
        }

        return reader.TokenType == JsonTokenType.Null;
    }

    /// <summary>An integer that fits in 64 bits, or <c>null</c>.</summary>
    public static bool TryReadLong(ref Utf8JsonReader reader, out long? value)
    {
        reader.Read();
        value = null;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var v))
        {
            value = v;
            return true;
        }

        return reader.TokenType == JsonTokenType.Null;
    }

    /// <summary>A number, or <c>null</c>.</summary>
    public static bool TryReadNumber(ref Utf8JsonReader reader, out double? value)
    {
        reader.Read();
        value = null;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var v))
        {
            value = v;
            return true;
        }

        return reader.TokenType == JsonTokenType.Null;
    }

    /// <summary>A value starting with <paramref name="expected"/> (the reader stays on that token), or <c>null</c>.</summary>
    public static bool IsNullOr(ref Utf8JsonReader reader, JsonTokenType expected)
    {
        reader.Read();
        return reader.TokenType == expected || reader.TokenType == JsonTokenType.Null;
    }

    /// <summary>Skips the property's value, whatever it is.</summary>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    /// <summary>Reads past the root object: anything after it (a second value, stray bytes) makes the reader throw.</summary>
    public static void ReadToEnd(ref Utf8JsonReader reader)
    {
        while (reader.Read())
        {
        }
    }

    /// <summary>400 <c>invalid_value</c> naming <paramref name="param"/>; always false, for <c>return Invalid(...)</c>.</summary>
    public static bool Invalid(string message, string param, out RequestError error)
    {
        error = new RequestError(message, "invalid_value", param);
        return false;
    }
}
