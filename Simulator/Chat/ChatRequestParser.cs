using System.Text;
using System.Text.Json;

namespace AspireAoai.Simulator.Chat;

/// <summary>A request the simulator refuses with 400, with the parameter to blame.</summary>
internal sealed class InvalidRequestException(string message, string? param, string? code = null) : Exception(message)
{
    public string? Param { get; } = param;

    public string? Code { get; } = code;
}

/// <summary>
/// Reads a chat completions body with <see cref="Utf8JsonReader"/>: one pass, unknown properties skipped,
/// message text kept only when the caller needs it.
/// </summary>
internal static class ChatRequestParser
{
    public const int MaxChoices = 128;

    /// <exception cref="JsonException">The body is not JSON.</exception>
    /// <exception cref="InvalidRequestException">The body is JSON but not a valid request.</exception>
    public static ChatRequest Parse(ReadOnlySpan<byte> json, bool readMessages)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 128 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidRequestException("The request body must be a JSON object.", null);
        }

        var request = new ChatRequest();
        int? maxTokens = null, maxCompletionTokens = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("messages"u8))
            {
                reader.Read();
                ReadMessages(ref reader, request, readMessages);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                request.Model = reader.TokenType == JsonTokenType.Null ? null : ReadString(ref reader, "model");
            }
            else if (reader.ValueTextEquals("max_tokens"u8))
            {
                reader.Read();
                maxTokens = ReadOptionalInt(ref reader, "max_tokens");
            }
            else if (reader.ValueTextEquals("max_completion_tokens"u8))
            {
                reader.Read();
                maxCompletionTokens = ReadOptionalInt(ref reader, "max_completion_tokens");
            }
            else if (reader.ValueTextEquals("n"u8))
            {
                reader.Read();
                request.N = ReadOptionalInt(ref reader, "n") ?? 1;
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                reader.Read();
                request.Stream = ReadOptionalBool(ref reader, "stream") ?? false;
            }
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                reader.Read();
                ReadStreamOptions(ref reader, request);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Trailing bytes after the object make the reader throw, as any JSON parser would reject them.
        reader.Read();

        if (!request.HasMessages)
        {
            throw new InvalidRequestException("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
        }

        request.MaxTokens = maxCompletionTokens ?? maxTokens;
        if (request.MaxTokens is < 1)
        {
            throw new InvalidRequestException(
                $"Invalid '{(maxCompletionTokens is null ? "max_tokens" : "max_completion_tokens")}': integer below minimum value. Expected a value >= 1, but got {request.MaxTokens} instead.",
                maxCompletionTokens is null ? "max_tokens" : "max_completion_tokens", "integer_below_min_value");
        }

        if (request.N is < 1 or > MaxChoices)
        {
            throw new InvalidRequestException($"Invalid 'n': expected a value between 1 and {MaxChoices}, but got {request.N} instead.", "n");
        }

        return request;
    }

    private static void ReadMessages(ref Utf8JsonReader reader, ChatRequest request, bool readMessages)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new InvalidRequestException("Invalid type for 'messages': expected an array.", "messages", "invalid_type");
        }

        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InvalidRequestException($"Invalid type for 'messages[{count}]': expected an object.", $"messages[{count}]", "invalid_type");
            }

            if (readMessages)
            {
                request.Messages.Add(ReadMessage(ref reader, count));
            }
            else
            {
                reader.Skip();
            }

            count++;
        }

        if (count == 0)
        {
            throw new InvalidRequestException("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages", "empty_array");
        }

        request.HasMessages = true;
    }

    private static ChatMessage ReadMessage(ref Utf8JsonReader reader, int index)
    {
        string? role = null, name = null, content = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("role"u8))
            {
                reader.Read();
                role = ReadString(ref reader, $"messages[{index}].role");
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = reader.TokenType == JsonTokenType.Null ? null : ReadString(ref reader, $"messages[{index}].name");
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                content = ReadContent(ref reader, index);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (string.IsNullOrEmpty(role))
        {
            throw new InvalidRequestException($"Missing required parameter: 'messages[{index}].role'.", $"messages[{index}].role", "missing_required_parameter");
        }

        return new ChatMessage(role, content ?? "", name);
    }

    /// <summary>Content is a string, null (tool calls) or an array of parts whose text parts are joined.</summary>
    private static string? ReadContent(ref Utf8JsonReader reader, int index)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartArray:
                var text = new StringBuilder();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw new InvalidRequestException($"Invalid type for 'messages[{index}].content': expected an array of objects.", $"messages[{index}].content", "invalid_type");
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isText = reader.ValueTextEquals("text"u8);
                        reader.Read();
                        if (isText && reader.TokenType == JsonTokenType.String)
                        {
                            text.Append(reader.GetString());
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }

                return text.ToString();
            default:
                throw new InvalidRequestException($"Invalid type for 'messages[{index}].content': expected one of a string or array of objects.", $"messages[{index}].content", "invalid_type");
        }
    }

    private static void ReadStreamOptions(ref Utf8JsonReader reader, ChatRequest request)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidRequestException("Invalid type for 'stream_options': expected an object.", "stream_options", "invalid_type");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isIncludeUsage)
            {
                request.IncludeUsage = ReadOptionalBool(ref reader, "stream_options.include_usage") ?? false;
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static string ReadString(ref Utf8JsonReader reader, string param) =>
        reader.TokenType == JsonTokenType.String
            ? reader.GetString()!
            : throw new InvalidRequestException($"Invalid type for '{param}': expected a string.", param, "invalid_type");

    private static int? ReadOptionalInt(ref Utf8JsonReader reader, string param)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value))
        {
            return value;
        }

        throw new InvalidRequestException($"Invalid type for '{param}': expected an integer.", param, "invalid_type");
    }

    private static bool? ReadOptionalBool(ref Utf8JsonReader reader, string param) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.Null => null,
        _ => throw new InvalidRequestException($"Invalid type for '{param}': expected a boolean.", param, "invalid_type"),
    };
}
