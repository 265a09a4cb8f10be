using System.Text.Json;
using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Responses;

/// <summary>
/// The body a Responses create sends to one deployment. Azure's v1 path (<c>/openai/v1/responses</c>) takes the
/// deployment name in the body's <c>model</c>, where the client wrote the gateway's logical model: that one value is
/// replaced, every other byte is sent as received.
/// </summary>
internal static class ResponsesUpstreamBody
{
    public static ReadOnlyMemory<byte> For(ReadOnlyMemory<byte> body, Deployment deployment)
    {
        var span = body.Span;
        var reader = new Utf8JsonReader(span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return body;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isModel = reader.ValueTextEquals("model"u8);
            reader.Read();
            if (!isModel)
            {
                reader.Skip();
                continue;
            }

            if (reader.TokenType != JsonTokenType.String || reader.ValueTextEquals(deployment.AzureDeployment))
            {
                return body;
            }

            // The string token spans its quotes; escaped or not, the whole token is replaced by the new string.
            var start = (int)reader.TokenStartIndex;
            var end = (int)reader.BytesConsumed;
            var name = JsonEncodedText.Encode(deployment.AzureDeployment).EncodedUtf8Bytes;
            var rewritten = new byte[span.Length - (end - start) + name.Length + 2];
            span[..start].CopyTo(rewritten);
            rewritten[start] = (byte)'"';
            name.CopyTo(rewritten.AsSpan(start + 1));
            rewritten[start + name.Length + 1] = (byte)'"';
            span[end..].CopyTo(rewritten.AsSpan(start + name.Length + 2));
            return rewritten;
        }

        return body;
    }
}
