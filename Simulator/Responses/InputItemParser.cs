using System.Text;
using System.Text.Json;
using AspireAoai.Simulator.Chat;
using AspireAoai.Simulator.Http;

namespace AspireAoai.Simulator.Responses;

/// <summary>Reads one element of an <c>input</c> array: a message, a function call, or a function call's output.</summary>
internal static class InputItemParser
{
    public static ResponseItem Read(JsonElement element, int index)
    {
        var at = $"input[{index}]";
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidRequestException(
                $"Invalid type for '{at}': expected an input item, but got {RequestValues.Describe(element)} instead.", at, "invalid_type");
        }

        var type = element.TryGetProperty("type", out var t) ? RequestValues.OptionalString(t, at + ".type") : null;
        var id = element.TryGetProperty("id", out var given) && given.ValueKind == JsonValueKind.String ? given.GetString() : null;
        switch (type)
        {
            case null or "message":
                return ReadMessage(element, at, id);
            case "function_call":
                var arguments = Required(element, "arguments", at);
                var name = Required(element, "name", at);
                return new ResponseItem(ResponseItemKind.FunctionCall, id ?? ResponseItem.NewFunctionCallId(), "assistant",
                    name + " " + arguments, CallId: Required(element, "call_id", at), Name: name, Arguments: arguments);
            case "function_call_output":
                var callId = Required(element, "call_id", at);
                if (!element.TryGetProperty("output", out var output) || output.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
                {
                    throw new InvalidRequestException(
                        $"Missing required parameter: '{at}.output'.", at + ".output", "missing_required_parameter");
                }

                var text = output.ValueKind == JsonValueKind.String ? output.GetString()! : TextOf(output, at + ".output");
                return new ResponseItem(ResponseItemKind.FunctionCallOutput, id ?? ResponseItem.NewFunctionCallId(), "tool", text,
                    CallId: callId, OutputJson: RequestValues.Compact(output));
            default:
                throw new InvalidRequestException(
                    $"Invalid value: '{type}'. Supported values are: 'message', 'function_call', and 'function_call_output'.", at + ".type", "invalid_value");
        }
    }

    private static ResponseItem ReadMessage(JsonElement element, string at, string? id)
    {
        var role = element.TryGetProperty("role", out var r) ? RequestValues.OptionalString(r, at + ".role") : null;
        if (role is null)
        {
            throw new InvalidRequestException($"Missing required parameter: '{at}.role'.", at + ".role", "missing_required_parameter");
        }

        if (role is not ("user" or "assistant" or "system" or "developer"))
        {
            throw new InvalidRequestException(
                $"Invalid value: '{role}'. Supported values are: 'user', 'assistant', 'system', and 'developer'.", at + ".role", "invalid_value");
        }

        if (!element.TryGetProperty("content", out var content))
        {
            throw new InvalidRequestException($"Missing required parameter: '{at}.content'.", at + ".content", "missing_required_parameter");
        }

        string text, contentJson;
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                text = content.GetString()!;
                contentJson = OnePart(role == "assistant" ? "output_text" : "input_text", text);
                break;
            case JsonValueKind.Array:
                text = TextOf(content, at + ".content");
                contentJson = RequestValues.Compact(content);
                break;
            default:
                throw new InvalidRequestException(
                    $"Invalid type for '{at}.content': expected one of a string or array of input content items, but got {RequestValues.Describe(content)} instead.",
                    at + ".content", "invalid_type");
        }

        return new ResponseItem(ResponseItemKind.Message, id ?? ResponseItem.NewMessageId(), role, text, ContentJson: contentJson);
    }

    /// <summary>The text parts of a content array joined; images and files add nothing (they are not counted, as in chat).</summary>
    private static string TextOf(JsonElement parts, string at)
    {
        var text = new StringBuilder();
        var index = 0;
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                throw new InvalidRequestException($"Missing required parameter: '{at}[{index}].type'.", $"{at}[{index}].type", "missing_required_parameter");
            }

            if (part.TryGetProperty("text", out var partText) && partText.ValueKind == JsonValueKind.String)
            {
                text.Append(partText.GetString());
            }

            index++;
        }

        return text.ToString();
    }

    private static string Required(JsonElement element, string name, string at)
    {
        if (element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
        {
            return value.GetString()!;
        }

        throw value.ValueKind == JsonValueKind.Undefined
            ? new InvalidRequestException($"Missing required parameter: '{at}.{name}'.", $"{at}.{name}", "missing_required_parameter")
            : new InvalidRequestException($"Invalid type for '{at}.{name}': expected a string, but got {RequestValues.Describe(value)} instead.", $"{at}.{name}", "invalid_type");
    }

    /// <summary><c>[{"type":..., "text":...}]</c>, plus the empty annotations and logprobs of an output_text part.</summary>
    public static string OnePart(string type, string text)
    {
        using var buffer = new PooledBufferWriter(text.Length + 96);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            WritePart(writer, type, text);
            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenMemory.Span);
    }

    public static void WritePart(Utf8JsonWriter writer, string type, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("type", type);
        if (type == "output_text")
        {
            writer.WriteStartArray("annotations");
            writer.WriteEndArray();
            writer.WriteStartArray("logprobs");
            writer.WriteEndArray();
        }

        writer.WriteString("text", text);
        writer.WriteEndObject();
    }
}
