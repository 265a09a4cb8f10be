using System.Buffers;
using System.Text.Json;
using AspireAoai.Api.Parsing;

namespace AspireAoai.Api.Forwarding;

/// <summary>
/// Makes a streamed chat request ask upstream for its usage: without <c>stream_options.include_usage</c> a stream
/// carries no token counts, so it could be neither billed exactly nor settled against rate limits. The body is
/// changed minimally: <c>"stream_options":{"include_usage":true},</c> is inserted right after the opening brace, or
/// an existing <c>stream_options</c> object (or null) is rebuilt with <c>include_usage</c> true and its other members
/// copied byte for byte. Every other byte stays as the client sent it.
/// </summary>
internal static class StreamUsageRequest
{
    /// <summary>The first Azure OpenAI api-version that accepts <c>stream_options</c> (older ones reject the field).</summary>
    internal const string FirstSupportedApiVersion = "2024-08-01";

    private static ReadOnlySpan<byte> Inserted => "\"stream_options\":{\"include_usage\":true},"u8;
    private static ReadOnlySpan<byte> ObjectStart => "{\"include_usage\":true"u8;

    /// <summary>Whether the gateway adds <c>include_usage</c> to this request for the given upstream api-version.</summary>
    public static bool ShouldInject(OperationKind operation, in ParsedRequest parsed, string apiVersion)
        => operation == OperationKind.ChatCompletions && parsed.Stream && !parsed.IncludeUsage && Supports(apiVersion);

    /// <summary>Dated versions from <see cref="FirstSupportedApiVersion"/> on (previews included), and undated ones (<c>v1</c>, <c>preview</c>).</summary>
    public static bool Supports(string apiVersion)
        => apiVersion.Length < 10 || !char.IsAsciiDigit(apiVersion[0])
           || string.CompareOrdinal(apiVersion, 0, FirstSupportedApiVersion, 0, 10) >= 0;

    /// <summary>
    /// Writes the rewritten body into a pooled array (the caller returns it) and returns its length, or returns
    /// null when the body cannot be rewritten (it was parsed before, so only for unexpected input).
    /// </summary>
    public static (byte[] Buffer, int Length)? Rewrite(ReadOnlySpan<byte> body)
    {
        var open = body.IndexOf((byte)'{');
        if (open < 0)
        {
            return null;
        }

        // Top-level stream_options values, in order; a client may (oddly) repeat the key, and upstream reads one of them.
        Span<Range> values = stackalloc Range[4];
        var count = 0;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isStreamOptions = reader.ValueTextEquals("stream_options"u8);
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (isStreamOptions)
                {
                    if (count == values.Length)
                    {
                        return null;
                    }

                    values[count++] = new Range(start, (int)reader.BytesConsumed);
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(body.Length + Inserted.Length + count * (ObjectStart.Length + 2));
        var length = 0;
        if (count == 0)
        {
            body[..(open + 1)].CopyTo(buffer);
            length = open + 1;
            Inserted.CopyTo(buffer.AsSpan(length));
            length += Inserted.Length;
            body[(open + 1)..].CopyTo(buffer.AsSpan(length));
            return (buffer, length + body.Length - open - 1);
        }

        var copied = 0;
        for (var i = 0; i < count; i++)
        {
            var (offset, valueLength) = values[i].GetOffsetAndLength(body.Length);
            body[copied..offset].CopyTo(buffer.AsSpan(length));
            length += offset - copied;
            length += WriteOptions(body.Slice(offset, valueLength), buffer.AsSpan(length));
            copied = offset + valueLength;
        }

        body[copied..].CopyTo(buffer.AsSpan(length));
        return (buffer, length + body.Length - copied);
    }

    /// <summary>Writes <c>{"include_usage":true</c>, then every other member of <paramref name="value"/> as it was, then <c>}</c>.</summary>
    private static int WriteOptions(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        ObjectStart.CopyTo(destination);
        var length = ObjectStart.Length;
        var reader = new Utf8JsonReader(value, new JsonReaderOptions { MaxDepth = 64 });
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var skip = reader.ValueTextEquals("include_usage"u8);
                var start = (int)reader.TokenStartIndex;
                reader.Read();
                reader.Skip();
                if (!skip)
                {
                    destination[length++] = (byte)',';
                    var member = value[start..(int)reader.BytesConsumed];
                    member.CopyTo(destination[length..]);
                    length += member.Length;
                }
            }
        }

        destination[length++] = (byte)'}';
        return length;
    }
}
