using System.Text.Json;

namespace AspireAoai.Api.Forwarding;

/// <summary>
/// The streamed chat requests Azure OpenAI refuses when they carry <c>stream_options</c>: "On Your Data" requests
/// (<c>data_sources</c>) and requests with image input (a message content part of type <c>image_url</c>). Azure's own
/// SDK clears <c>stream_options</c> for them, so the gateway does not add <c>include_usage</c> there: their usage is
/// then the gateway's estimate (the prompt counted at admission plus the completion tokens relayed), recorded as such.
/// </summary>
internal static class StreamUsageExemptions
{
    /// <summary>True when Azure rejects <c>stream_options</c> on this body. Only streamed requests without it are scanned.</summary>
    public static bool RejectsStreamOptions(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("data_sources"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Null)
                    {
                        return true;
                    }
                }
                else if (reader.ValueTextEquals("messages"u8))
                {
                    reader.Read();
                    if (HasImage(ref reader))
                    {
                        return true;
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Parsed before: only unexpected input gets here, and it is forwarded as it is.
        }

        return false;
    }

    /// <summary>Walks <c>messages</c> (the reader on its start); true at the first content part of type <c>image_url</c>.</summary>
    private static bool HasImage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isContent = reader.ValueTextEquals("content"u8);
                reader.Read();
                if (!isContent || reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isType = reader.ValueTextEquals("type"u8);
                        reader.Read();
                        if (isType && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("image_url"u8))
                        {
                            return true;
                        }

                        reader.Skip();
                    }
                }
            }
        }

        return false;
    }
}
