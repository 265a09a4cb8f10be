using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Input tokens of a Responses API create, counted before it goes upstream: <c>instructions</c> and every string of
/// <c>input</c> (a string, or items: messages, their text parts, function calls and their outputs) tokenized, 3 tokens
/// per item as for a chat message, an image part at 85 tokens, and <c>tools</c> at about 4 bytes a token. A
/// <c>previous_response_id</c>'s earlier turns are billed by the upstream too but are unknown here: the response's
/// usage reconciles them.
/// </summary>
internal static class ResponsesPromptCounter
{
    public static long Count(Tokenizer tokenizer, ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        long total = TokenEstimator.ReplyPriming;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return total;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isInput = reader.ValueTextEquals("input"u8);
            var isInstructions = !isInput && reader.ValueTextEquals("instructions"u8);
            var isTools = !isInput && !isInstructions && reader.ValueTextEquals("tools"u8);
            reader.Read();
            if ((isInput || isInstructions) && reader.TokenType == JsonTokenType.String)
            {
                total += TokenEstimator.Count(tokenizer, ref reader);
            }
            else if (isInput && reader.TokenType == JsonTokenType.StartArray)
            {
                total += CountItems(tokenizer, ref reader);
            }
            else if (isTools && reader.TokenType == JsonTokenType.StartArray)
            {
                var from = reader.TokenStartIndex;
                reader.Skip();
                total += ((reader.BytesConsumed - from) / 4) + 1;
            }
            else
            {
                reader.Skip();
            }
        }

        return total;
    }

    /// <summary>Items: every string value below an item is counted except the short structural ones (type, ids, status).</summary>
    private static long CountItems(Tokenizer tokenizer, ref Utf8JsonReader reader)
    {
        long total = 0;
        var depth = reader.CurrentDepth;
        var skipValue = false;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject when reader.CurrentDepth == depth + 1:
                    total += TokenEstimator.PerMessage;
                    break;
                case JsonTokenType.PropertyName:
                    skipValue = reader.ValueTextEquals("type"u8) || reader.ValueTextEquals("id"u8) || reader.ValueTextEquals("call_id"u8)
                        || reader.ValueTextEquals("status"u8) || reader.ValueTextEquals("detail"u8);
                    if (reader.ValueTextEquals("image_url"u8) || reader.ValueTextEquals("file_id"u8))
                    {
                        // An image is charged the low-detail cost, not the length of its URL or data.
                        total += 85;
                        skipValue = true;
                    }

                    break;
                case JsonTokenType.String:
                    if (!skipValue)
                    {
                        total += TokenEstimator.Count(tokenizer, ref reader);
                    }

                    skipValue = false;
                    break;
                default:
                    skipValue = false;
                    break;
            }
        }

        return total;
    }
}
