using System.Text.Json;
using static AspireAoai.Api.Parsing.JsonFields;

namespace AspireAoai.Api.Parsing;

/// <summary>A request body the gateway refuses, in the terms of the OpenAI error shape.</summary>
public readonly record struct RequestError(string Message, string Code, string? Param);

/// <summary>
/// Reads the few fields the gateway needs from a request body with one forward pass of
/// <see cref="Utf8JsonReader"/>, skipping everything else. The body itself is forwarded as received.
/// </summary>
public static class RequestParser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };

    /// <summary>Parses and validates <paramref name="json"/>; false with <paramref name="error"/> when it is not acceptable.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, OperationKind operation, out ParsedRequest parsed, out RequestError error)
    {
        parsed = default;
        try
        {
            return TryParseCore(json, operation, out parsed, out error);
        }
        catch (JsonException ex)
        {
            // The reader's message names line and byte position only, never content.
            error = new RequestError(
                $"We could not parse the JSON body of your request. ({ex.Message})", "invalid_json", null);
            return false;
        }
    }

    private static bool TryParseCore(ReadOnlySpan<byte> json, OperationKind operation, out ParsedRequest parsed, out RequestError error)
    {
        parsed = default;
        var reader = new Utf8JsonReader(json, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = new RequestError("The request body must be a JSON object.", "invalid_json", null);
            return false;
        }

        if (operation == OperationKind.Responses)
        {
            return ResponsesRequestParser.TryParse(ref reader, out parsed, out error);
        }

        string? model = null;
        bool stream = false, includeUsage = false, sawPrompt = false;
        int? maxTokens = null, maxCompletionTokens = null, n = null;
        double? temperature = null;
        long? seed = null;
        var promptName = operation == OperationKind.Embeddings ? "input"u8 : "messages"u8;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                if (!TryReadModel(ref reader, out model))
                {
                    return Invalid("'model' must be a string.", "model", out error);
                }
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                if (!TryReadBool(ref reader, ref stream))
                {
                    return Invalid("'stream' must be a boolean.", "stream", out error);
                }
            }
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    var depth = reader.CurrentDepth;
                    while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
                    {
                        if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("include_usage"u8))
                        {
                            reader.Read();
                            includeUsage = reader.TokenType == JsonTokenType.True;
                        }
                        else if (reader.TokenType == JsonTokenType.PropertyName)
                        {
                            SkipValue(ref reader);
                        }
                    }
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    return Invalid("'stream_options' must be an object.", "stream_options", out error);
                }
            }
            else if (reader.ValueTextEquals(promptName))
            {
                reader.Read();
                if (operation == OperationKind.ChatCompletions)
                {
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        return Invalid("'messages' must be an array of message objects.", "messages", out error);
                    }

                    reader.Read();
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        return Invalid("'messages' must contain at least one message.", "messages", out error);
                    }

                    do
                    {
                        if (reader.TokenType != JsonTokenType.StartObject)
                        {
                            return Invalid("Each entry of 'messages' must be an object.", "messages", out error);
                        }

                        reader.Skip();
                    }
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray);
                }
                else
                {
                    if (reader.TokenType is JsonTokenType.StartArray)
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.EndArray)
                        {
                            return Invalid("'input' must not be empty.", "input", out error);
                        }

                        do
                        {
                            reader.Skip();
                        }
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray);
                    }
                    else if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.IsEmpty)
                    {
                        return Invalid("'input' must be a non-empty string or array.", "input", out error);
                    }
                }

                sawPrompt = true;
            }
            else if (reader.ValueTextEquals("max_tokens"u8))
            {
                if (!TryReadInt(ref reader, 0, out maxTokens))
                {
                    return Invalid("'max_tokens' must be a positive integer.", "max_tokens", out error);
                }
            }
            else if (reader.ValueTextEquals("max_completion_tokens"u8))
            {
                if (!TryReadInt(ref reader, 0, out maxCompletionTokens))
                {
                    return Invalid("'max_completion_tokens' must be a positive integer.", "max_completion_tokens", out error);
                }
            }
            else if (reader.ValueTextEquals("n"u8))
            {
                if (!TryReadInt(ref reader, 0, out n))
                {
                    return Invalid("'n' must be a positive integer.", "n", out error);
                }
            }
            else if (reader.ValueTextEquals("temperature"u8))
            {
                if (!TryReadNumber(ref reader, out temperature))
                {
                    return Invalid("'temperature' must be a number.", "temperature", out error);
                }
            }
            else if (reader.ValueTextEquals("seed"u8))
            {
                if (!TryReadLong(ref reader, out seed))
                {
                    return Invalid("'seed' must be an integer.", "seed", out error);
                }
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        ReadToEnd(ref reader);

        if (!sawPrompt)
        {
            var name = operation == OperationKind.Embeddings ? "input" : "messages";
            error = new RequestError($"Missing required parameter: '{name}'.", "missing_required_parameter", name);
            return false;
        }

        parsed = new ParsedRequest
        {
            Model = model,
            Stream = stream && operation == OperationKind.ChatCompletions,
            IncludeUsage = includeUsage,
            MaxTokens = maxCompletionTokens ?? maxTokens,
            Temperature = temperature,
            Seed = seed,
            N = n,
        };
        error = default;
        return true;
    }
}
