using System.Text.Json;

namespace AspireAoai.Simulator.Responses;

/// <summary>
/// Writes Responses objects in upstream's exact shape and property order (as recorded from the service): the
/// response, its items, usage, the deletion answer and the input item list.
/// </summary>
internal static class ResponseJson
{
    /// <summary>What a response object shows: finished, or as it is while being generated (no output, no usage).</summary>
    public enum View
    {
        AsStored,
        InProgress,
    }

    public static void WriteResponse(Utf8JsonWriter writer, StoredResponse response, DateTimeOffset now, View view = View.AsStored)
    {
        var request = response.Request;
        var status = view == View.InProgress ? "in_progress" : response.StatusAt(now);
        var answered = view == View.AsStored && response.HasAnswerAt(now);
        writer.WriteStartObject();
        writer.WriteString("id", response.Id);
        writer.WriteString("object", "response");
        writer.WriteNumber("created_at", response.CreatedAt);
        writer.WriteString("status", status);
        writer.WriteBoolean("background", request.Background);
        writer.WriteNull("error");
        if (answered && response.IncompleteReason is { } reason)
        {
            writer.WriteStartObject("incomplete_details");
            writer.WriteString("reason", reason);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("incomplete_details");
        }

        WriteStringOrNull(writer, "instructions", request.Instructions);
        WriteIntOrNull(writer, "max_output_tokens", request.MaxOutputTokens);
        writer.WriteNull("max_tool_calls");
        writer.WriteString("model", response.Deployment.Model);
        writer.WriteStartArray("output");
        if (answered)
        {
            foreach (var item in response.Output)
            {
                WriteItem(writer, item, response.ItemStatus);
            }
        }

        writer.WriteEndArray();
        writer.WriteBoolean("parallel_tool_calls", request.ParallelToolCalls);
        WriteStringOrNull(writer, "previous_response_id", request.PreviousResponseId);
        writer.WriteNull("prompt_cache_key");
        WriteRawOr(writer, "reasoning", request.ReasoningJson, """{"effort":null,"summary":null}""");
        writer.WriteNull("safety_identifier");
        writer.WriteString("service_tier", "default");
        writer.WriteBoolean("store", request.Store);
        writer.WriteNumber("temperature", request.Temperature ?? 1.0);
        WriteRawOr(writer, "text", request.TextJson, """{"format":{"type":"text"},"verbosity":"medium"}""");
        WriteRawOr(writer, "tool_choice", request.ToolChoiceJson, "\"auto\"");
        WriteRawOr(writer, "tools", request.ToolsJson, "[]");
        writer.WriteNumber("top_logprobs", 0);
        writer.WriteNumber("top_p", request.TopP ?? 1.0);
        writer.WriteString("truncation", request.Truncation ?? "disabled");
        if (answered)
        {
            WriteUsage(writer, response.InputTokens, response.CachedTokens, response.OutputTokens);
        }
        else
        {
            writer.WriteNull("usage");
        }

        WriteStringOrNull(writer, "user", request.User);
        WriteRawOr(writer, "metadata", request.MetadataJson, "{}");
        writer.WriteEndObject();
    }

    /// <summary><c>{"input_tokens","input_tokens_details":{"cached_tokens"},"output_tokens","output_tokens_details":{"reasoning_tokens"},"total_tokens"}</c>.</summary>
    public static void WriteUsage(Utf8JsonWriter writer, int inputTokens, int cachedTokens, int outputTokens)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("input_tokens", inputTokens);
        writer.WriteStartObject("input_tokens_details");
        writer.WriteNumber("cached_tokens", cachedTokens);
        writer.WriteEndObject();
        writer.WriteNumber("output_tokens", outputTokens);
        writer.WriteStartObject("output_tokens_details");
        writer.WriteNumber("reasoning_tokens", 0);
        writer.WriteEndObject();
        writer.WriteNumber("total_tokens", inputTokens + outputTokens);
        writer.WriteEndObject();
    }

    /// <summary>An item with the given status; a message in progress has no content yet, a call no arguments yet.</summary>
    public static void WriteItem(Utf8JsonWriter writer, ResponseItem item, string status)
    {
        var done = status != "in_progress";
        writer.WriteStartObject();
        writer.WriteString("id", item.Id);
        switch (item.Kind)
        {
            case ResponseItemKind.Message:
                writer.WriteString("type", "message");
                writer.WriteString("status", status);
                writer.WritePropertyName("content");
                if (done)
                {
                    writer.WriteRawValue(item.ContentJson ?? "[]", skipInputValidation: true);
                }
                else
                {
                    writer.WriteStartArray();
                    writer.WriteEndArray();
                }

                writer.WriteString("role", item.Role);
                break;
            case ResponseItemKind.FunctionCall:
                writer.WriteString("type", "function_call");
                writer.WriteString("status", status);
                writer.WriteString("arguments", done ? item.Arguments : "");
                writer.WriteString("call_id", item.CallId);
                writer.WriteString("name", item.Name);
                break;
            case ResponseItemKind.FunctionCallOutput:
                writer.WriteString("type", "function_call_output");
                writer.WriteString("status", status);
                writer.WriteString("call_id", item.CallId);
                writer.WritePropertyName("output");
                writer.WriteRawValue(item.OutputJson ?? "\"\"", skipInputValidation: true);
                break;
        }

        writer.WriteEndObject();
    }

    public static void WriteDeleted(Utf8JsonWriter writer, string id)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("object", "response.deleted");
        writer.WriteBoolean("deleted", true);
        writer.WriteEndObject();
    }

    /// <summary>A page of input items: <c>{"object":"list","data":[...],"first_id","has_more","last_id"}</c>.</summary>
    public static void WriteItemList(Utf8JsonWriter writer, IReadOnlyList<ResponseItem> page, bool hasMore)
    {
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        foreach (var item in page)
        {
            WriteItem(writer, item, "completed");
        }

        writer.WriteEndArray();
        WriteStringOrNull(writer, "first_id", page.Count > 0 ? page[0].Id : null);
        writer.WriteBoolean("has_more", hasMore);
        WriteStringOrNull(writer, "last_id", page.Count > 0 ? page[^1].Id : null);
        writer.WriteEndObject();
    }

    private static void WriteRawOr(Utf8JsonWriter writer, string name, string? raw, string fallback)
    {
        writer.WritePropertyName(name);
        writer.WriteRawValue(raw ?? fallback, skipInputValidation: true);
    }

    private static void WriteStringOrNull(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteIntOrNull(Utf8JsonWriter writer, string name, int? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
