using System.Buffers;
using System.Text.Json;
using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Forwarding;

/// <summary>
/// The body for a deployment called on the <c>/openai/v1/</c> surface, where the body's top-level <c>model</c> names the
/// Azure deployment: the client named the logical model (OpenAI style) or nothing (Azure style, the deployment in the
/// path). Only that value is replaced, or <c>"model":"..."</c> inserted after the opening brace; every other byte stays.
/// </summary>
internal static class V1ModelBody
{
    /// <summary>
    /// A pooled buffer (the caller returns it) holding the body with <c>model</c> set to the deployment, or null when it
    /// already names it (or cannot be read: it was parsed before, so only unexpected input).
    /// </summary>
    public static (byte[] Buffer, int Length)? Rewrite(ReadOnlySpan<byte> body, Deployment deployment)
    {
        var open = body.IndexOf((byte)'{');
        if (open < 0)
        {
            return null;
        }

        Range? value = null;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isModel = reader.ValueTextEquals("model"u8);
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                if (isModel && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(deployment.AzureDeployment))
                {
                    return null;
                }

                reader.Skip();
                if (isModel)
                {
                    value = new Range(start, (int)reader.BytesConsumed);
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        var name = deployment.DeploymentJson.EncodedUtf8Bytes;
        var buffer = ArrayPool<byte>.Shared.Rent(body.Length + name.Length + 12);
        var length = 0;
        if (value is { } range)
        {
            var (offset, count) = range.GetOffsetAndLength(body.Length);
            body[..offset].CopyTo(buffer);
            length = offset;
            length += WriteString(name, buffer.AsSpan(length));
            body[(offset + count)..].CopyTo(buffer.AsSpan(length));
            return (buffer, length + body.Length - offset - count);
        }

        body[..(open + 1)].CopyTo(buffer);
        length = open + 1;
        "\"model\":"u8.CopyTo(buffer.AsSpan(length));
        length += 8;
        length += WriteString(name, buffer.AsSpan(length));
        var rest = body[(open + 1)..];
        // A comma unless the object was empty (it never is: messages or input are required).
        if (rest.TrimStart(" \t\r\n"u8).Length > 0 && rest.TrimStart(" \t\r\n"u8)[0] != (byte)'}')
        {
            buffer[length++] = (byte)',';
        }

        rest.CopyTo(buffer.AsSpan(length));
        return (buffer, length + rest.Length);
    }

    private static int WriteString(ReadOnlySpan<byte> encoded, Span<byte> destination)
    {
        destination[0] = (byte)'"';
        encoded.CopyTo(destination[1..]);
        destination[encoded.Length + 1] = (byte)'"';
        return encoded.Length + 2;
    }
}
