using System.Text.Json;
using AspireAoai.Simulator.Chat;

namespace AspireAoai.Simulator.Responses;

/// <summary>
/// Reads a Responses create body. A <see cref="JsonDocument"/> rather than a one-pass reader: the response object
/// echoes the caller's <c>tools</c>, <c>text</c>, <c>metadata</c> and message parts verbatim, so their raw text is
/// kept anyway. Errors carry OpenAI's messages, params and codes.
/// </summary>
internal static class ResponsesRequestParser
{
    /// <summary>OpenAI refuses a smaller <c>max_output_tokens</c>.</summary>
    public const int MinOutputTokens = 16;

    /// <exception cref="JsonException">The body is not JSON.</exception>
    /// <exception cref="InvalidRequestException">The body is JSON but not a valid request.</exception>
    public static ResponsesRequest Parse(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 128 });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidRequestException("The request body must be a JSON object.", null);
        }

        var request = new ResponsesRequest();
        var hasInput = false;
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "model":
                    request.Model = RequestValues.OptionalString(value, "model");
                    break;
                case "input":
                    ReadInput(value, request.Input);
                    hasInput = true;
                    break;
                case "instructions":
                    request.Instructions = RequestValues.OptionalString(value, "instructions");
                    break;
                case "tools":
                    ReadTools(value, request);
                    break;
                case "tool_choice":
                    ReadToolChoice(value, request);
                    break;
                case "max_output_tokens":
                    request.MaxOutputTokens = RequestValues.OptionalInt(value, "max_output_tokens");
                    break;
                case "temperature":
                    request.Temperature = RequestValues.OptionalNumber(value, "temperature", 0, 2);
                    break;
                case "top_p":
                    request.TopP = RequestValues.OptionalNumber(value, "top_p", 0, 1);
                    break;
                case "store":
                    request.Store = RequestValues.OptionalBool(value, "store") ?? true;
                    break;
                case "stream":
                    request.Stream = RequestValues.OptionalBool(value, "stream") ?? false;
                    break;
                case "background":
                    request.Background = RequestValues.OptionalBool(value, "background") ?? false;
                    break;
                case "parallel_tool_calls":
                    request.ParallelToolCalls = RequestValues.OptionalBool(value, "parallel_tool_calls") ?? true;
                    break;
                case "previous_response_id":
                    request.PreviousResponseId = RequestValues.OptionalString(value, "previous_response_id");
                    break;
                case "text":
                    request.TextJson = RequestValues.OptionalObject(value, "text");
                    break;
                case "reasoning":
                    request.ReasoningJson = RequestValues.OptionalObject(value, "reasoning");
                    break;
                case "metadata":
                    request.MetadataJson = RequestValues.OptionalObject(value, "metadata");
                    break;
                case "user":
                    request.User = RequestValues.OptionalString(value, "user");
                    break;
                case "truncation":
                    request.Truncation = RequestValues.OptionalString(value, "truncation");
                    break;
            }
        }

        if (!hasInput && request.PreviousResponseId is null)
        {
            throw new InvalidRequestException("Missing required parameter: 'input'.", "input", "missing_required_parameter");
        }

        if (request.MaxOutputTokens is < MinOutputTokens)
        {
            throw new InvalidRequestException(
                $"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= {MinOutputTokens}, but got {request.MaxOutputTokens} instead.",
                "max_output_tokens", "integer_below_min_value");
        }

        if (request.Background && !request.Store)
        {
            throw new InvalidRequestException("Background mode requires 'store' to be true.", "background", "invalid_value");
        }

        if (request.Background && request.Stream)
        {
            throw new InvalidRequestException("The simulator does not stream background responses; poll GET /responses/{id}.", "stream", "unsupported_value");
        }

        return request;
    }

    private static void ReadInput(JsonElement value, List<ResponseItem> items)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            items.Add(UserText(value.GetString()!));
            return;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidRequestException(
                $"Invalid type for 'input': expected one of a string or array of input items, but got {RequestValues.Describe(value)} instead.", "input", "invalid_type");
        }

        var index = 0;
        foreach (var element in value.EnumerateArray())
        {
            items.Add(InputItemParser.Read(element, index));
            index++;
        }
    }

    /// <summary>A string input is one user message with one input_text part, as upstream lists it in input_items.</summary>
    private static ResponseItem UserText(string text) =>
        new(ResponseItemKind.Message, ResponseItem.NewMessageId(), "user", text, ContentJson: InputItemParser.OnePart("input_text", text));

    private static void ReadTools(JsonElement value, ResponsesRequest request)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidRequestException($"Invalid type for 'tools': expected an array, but got {RequestValues.Describe(value)} instead.", "tools", "invalid_type");
        }

        var index = 0;
        foreach (var tool in value.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                throw new InvalidRequestException($"Missing required parameter: 'tools[{index}].type'.", $"tools[{index}].type", "missing_required_parameter");
            }

            if (type.ValueEquals("function"u8))
            {
                if (!tool.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0)
                {
                    throw new InvalidRequestException($"Missing required parameter: 'tools[{index}].name'.", $"tools[{index}].name", "missing_required_parameter");
                }

                var parameters = tool.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object ? p.GetRawText() : null;
                request.FunctionTools.Add(new FunctionTool(name.GetString()!, parameters));
            }

            index++;
        }

        request.ToolsJson = RequestValues.Compact(value);
    }

    private static void ReadToolChoice(JsonElement value, ResponsesRequest request)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return;
            case JsonValueKind.String:
                var mode = value.GetString();
                if (mode is not ("auto" or "none" or "required"))
                {
                    throw new InvalidRequestException(
                        $"Invalid value: '{mode}'. Supported values are: 'none', 'auto', and 'required'.", "tool_choice", "invalid_value");
                }

                request.ToolChoiceMode = mode;
                break;
            case JsonValueKind.Object:
                if (value.TryGetProperty("type", out var type) && type.ValueEquals("function"u8) &&
                    value.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
                {
                    request.ForcedFunction = name.GetString();
                    request.ToolChoiceMode = "required";
                }

                break;
            default:
                throw new InvalidRequestException(
                    $"Invalid type for 'tool_choice': expected one of a string or an object, but got {RequestValues.Describe(value)} instead.", "tool_choice", "invalid_type");
        }

        request.ToolChoiceJson = RequestValues.Compact(value);
    }
}
