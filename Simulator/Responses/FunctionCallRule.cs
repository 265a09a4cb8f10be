using System.Text;
using System.Text.Json;
using AspireAoai.Simulator.Http;

namespace AspireAoai.Simulator.Responses;

/// <summary>
/// When the simulated model calls a function, so that tool loops run offline and the same way every time:
/// with function tools and <c>tool_choice</c> not <c>none</c>, it calls the first tool (or the one
/// <c>tool_choice</c> names) unless the conversation's last item is a <c>function_call_output</c>, after which it
/// answers in text. <c>tool_choice: "required"</c> or a named function always calls.
/// </summary>
internal static class FunctionCallRule
{
    public static FunctionTool? ToolToCall(ResponsesRequest request, IReadOnlyList<ResponseItem> conversation)
    {
        var tools = request.FunctionTools;
        if (tools.Count == 0 || request.ToolChoiceMode == "none")
        {
            return null;
        }

        if (request.ForcedFunction is { } forced)
        {
            foreach (var tool in tools)
            {
                if (tool.Name == forced)
                {
                    return tool;
                }
            }
        }

        if (request.ToolChoiceMode == "required")
        {
            return tools[0];
        }

        return conversation.Count > 0 && conversation[^1].Kind == ResponseItemKind.FunctionCallOutput ? null : tools[0];
    }

    /// <summary>
    /// A fixed value for each required parameter of the schema: a string's first enum value or <c>"value"</c>,
    /// <c>1</c> for numbers, <c>true</c>, <c>[]</c>, <c>{}</c>; <c>{}</c> without a schema.
    /// </summary>
    public static string Arguments(FunctionTool tool)
    {
        using var buffer = new PooledBufferWriter(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (tool.ParametersJson is { } schema)
            {
                using var document = JsonDocument.Parse(schema);
                var root = document.RootElement;
                if (root.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array &&
                    root.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
                {
                    foreach (var name in required.EnumerateArray())
                    {
                        if (name.ValueKind == JsonValueKind.String && properties.TryGetProperty(name.GetString()!, out var property))
                        {
                            writer.WritePropertyName(name.GetString()!);
                            WriteSample(writer, property);
                        }
                    }
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenMemory.Span);
    }

    private static void WriteSample(Utf8JsonWriter writer, JsonElement property)
    {
        if (property.ValueKind == JsonValueKind.Object && property.TryGetProperty("enum", out var values) &&
            values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
        {
            values[0].WriteTo(writer);
            return;
        }

        var type = property.ValueKind == JsonValueKind.Object && property.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()
            : null;
        switch (type)
        {
            case "integer" or "number":
                writer.WriteNumberValue(1);
                break;
            case "boolean":
                writer.WriteBooleanValue(true);
                break;
            case "array":
                writer.WriteStartArray();
                writer.WriteEndArray();
                break;
            case "object":
                writer.WriteStartObject();
                writer.WriteEndObject();
                break;
            default:
                writer.WriteStringValue("value");
                break;
        }
    }
}
