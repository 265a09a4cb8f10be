using System.Text.Json;
using static AspireAoai.Api.Parsing.JsonFields;

namespace AspireAoai.Api.Parsing;

/// <summary>
/// Reads and checks the fields of a Responses API create body the gateway needs (model, stream, input, instructions,
/// tools, max_output_tokens, temperature, store, previous_response_id, background), in one forward pass; the body
/// is forwarded as received. Wrong types are refused here with the parameter named, as OpenAI refuses them.
/// </summary>
internal static class ResponsesRequestParser
{
    /// <summary>Parses <paramref name="reader"/>, positioned on the root object; a <see cref="JsonException"/> escapes for the caller.</summary>
    public static bool TryParse(ref Utf8JsonReader reader, out ParsedRequest parsed, out RequestError error)
    {
        parsed = default;
        string? model = null, previous = null;
        bool stream = false, store = true;
        int? maxOutput = null;
        double? temperature = null;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                if (!TryReadModel(ref reader, out model))
                {
                    return Invalid("'model' must be a string.", "model", out error);
                }
            }
            else if (reader.ValueTextEquals("input"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.StartObject)
                        {
                            return Invalid("Each entry of 'input' must be an input item object.", "input", out error);
                        }

                        reader.Skip();
                    }
                }
                else if (reader.TokenType != JsonTokenType.String)
                {
                    return Invalid("'input' must be a string or an array of input items.", "input", out error);
                }
            }
            else if (reader.ValueTextEquals("instructions"u8))
            {
                if (!IsNullOr(ref reader, JsonTokenType.String))
                {
                    return Invalid("'instructions' must be a string.", "instructions", out error);
                }
            }
            else if (reader.ValueTextEquals("tools"u8))
            {
                if (!IsNullOr(ref reader, JsonTokenType.StartArray))
                {
                    return Invalid("'tools' must be an array.", "tools", out error);
                }

                reader.Skip();
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                if (!TryReadBool(ref reader, ref stream))
                {
                    return Invalid("'stream' must be a boolean.", "stream", out error);
                }
            }
            else if (reader.ValueTextEquals("store"u8))
            {
                if (!TryReadBool(ref reader, ref store))
                {
                    return Invalid("'store' must be a boolean.", "store", out error);
                }
            }
            else if (reader.ValueTextEquals("background"u8))
            {
                var background = false;
                if (!TryReadBool(ref reader, ref background))
                {
                    return Invalid("'background' must be a boolean.", "background", out error);
                }

                if (background)
                {
                    // A background response finishes after the create has answered, so its usage would reach no
                    // usage event, limit or budget: refused rather than served unaccounted.
                    error = new RequestError("This gateway does not serve background responses ('background': true): their usage could not be accounted. Send the request in the foreground, streamed for long answers.",
                        "unsupported_parameter", "background");
                    return false;
                }
            }
            else if (reader.ValueTextEquals("previous_response_id"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                {
                    previous = reader.GetString();
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    return Invalid("'previous_response_id' must be a non-empty string.", "previous_response_id", out error);
                }
            }
            else if (reader.ValueTextEquals("max_output_tokens"u8))
            {
                if (!TryReadInt(ref reader, 1, out maxOutput))
                {
                    return Invalid("'max_output_tokens' must be a positive integer.", "max_output_tokens", out error);
                }
            }
            else if (reader.ValueTextEquals("temperature"u8))
            {
                if (!TryReadNumber(ref reader, out temperature))
                {
                    return Invalid("'temperature' must be a number.", "temperature", out error);
                }
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        ReadToEnd(ref reader);

        parsed = new ParsedRequest
        {
            Model = model,
            Stream = stream,
            MaxTokens = maxOutput,
            Temperature = temperature,
            Store = store,
            PreviousResponseId = previous,
        };
        error = default;
        return true;
    }
}
