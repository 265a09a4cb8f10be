using System.Buffers;
using System.Text;
using System.Text.Json;
using AspireAoai.Api.Answers;

namespace AspireAoai.Api.Caching;

/// <summary>
/// Rebuilds the <c>chat.completion</c> a streamed answer amounts to from its relayed SSE bytes: role, content,
/// refusal and tool calls per choice, finish reasons, usage and prompt filter results. Runs off the response path.
/// A stream that did not end in <c>[DONE]</c> or carries log probabilities (a rebuilt body would lose them) is not
/// assembled. A stream without usage (the client did not ask for it) gives a body without <c>usage</c>.
/// </summary>
internal static class StreamAssembler
{
    /// <summary>The JSON body, or null with <paramref name="reason"/> when the stream cannot be stored.</summary>
    public static byte[]? Assemble(ReadOnlySpan<byte> sse, out string? reason)
    {
        var state = new State();
        var done = false;
        var data = new ArrayBufferWriter<byte>();
        try
        {
            var lines = new SseLineReader(sse, isFinalBlock: true);
            while (lines.TryReadLine(out var line))
            {
                if (line.IsEmpty)
                {
                    if (data.WrittenCount > 0)
                    {
                        if (IsDone(data.WrittenSpan))
                        {
                            done = true;
                        }
                        else if (!state.Add(data.WrittenSpan, out reason))
                        {
                            return null;
                        }

                        data.ResetWrittenCount();
                    }

                    continue;
                }

                if (SseLineReader.TryGetData(line, out var value))
                {
                    if (data.WrittenCount > 0)
                    {
                        data.Write("\n"u8);
                    }

                    data.Write(value);
                }
            }

            if (data.WrittenCount > 0)
            {
                if (IsDone(data.WrittenSpan))
                {
                    done = true;
                }
                else if (!state.Add(data.WrittenSpan, out reason))
                {
                    return null;
                }
            }
        }
        catch (JsonException)
        {
            reason = "invalid_stream";
            return null;
        }

        if (!done)
        {
            reason = "incomplete_stream";
            return null;
        }

        reason = null;
        return state.Write();
    }

    private static bool IsDone(ReadOnlySpan<byte> data) => data.Trim((byte)' ').SequenceEqual("[DONE]"u8);

    private sealed class Choice(int index)
    {
        public int Index { get; } = index;
        public string Role { get; set; } = "assistant";
        public StringBuilder? Content { get; set; }
        public StringBuilder? Refusal { get; set; }
        public SortedDictionary<int, ToolCall>? ToolCalls { get; set; }
        public string? FinishReason { get; set; }
    }

    private sealed class ToolCall
    {
        public string? Id { get; set; }
        public string Type { get; set; } = "function";
        public string? Name { get; set; }
        public StringBuilder Arguments { get; } = new();
    }

    private sealed class State
    {
        private readonly SortedDictionary<int, Choice> _choices = new();
        private string? _id;
        private long _created;
        private string? _model;
        private string? _fingerprint;
        private string? _promptFilterResults;

        public string? Usage { get; private set; }

        public bool Add(ReadOnlySpan<byte> json, out string? reason)
        {
            reason = null;
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null))
            {
                reason = "error";
                return false;
            }

            _id ??= String(root, "id");
            _model ??= NonEmpty(String(root, "model"));
            _fingerprint ??= String(root, "system_fingerprint");
            if (_created == 0 && root.TryGetProperty("created", out var created) && created.TryGetInt64(out var c))
            {
                _created = c;
            }

            if (_promptFilterResults is null && root.TryGetProperty("prompt_filter_results", out var pfr) && pfr.ValueKind == JsonValueKind.Array)
            {
                _promptFilterResults = pfr.GetRawText();
            }

            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                Usage = usage.GetRawText();
            }

            if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array)
            {
                return true;
            }

            foreach (var item in choices.EnumerateArray())
            {
                if (item.TryGetProperty("logprobs", out var logprobs) && logprobs.ValueKind != JsonValueKind.Null)
                {
                    reason = "logprobs";
                    return false;
                }

                var index = item.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
                if (!_choices.TryGetValue(index, out var choice))
                {
                    _choices[index] = choice = new Choice(index);
                }

                if (String(item, "finish_reason") is { } finish)
                {
                    choice.FinishReason = finish;
                }

                if (item.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
                {
                    AddDelta(choice, delta);
                }
            }

            return true;
        }

        private static void AddDelta(Choice choice, JsonElement delta)
        {
            if (String(delta, "role") is { } role)
            {
                choice.Role = role;
            }

            if (String(delta, "content") is { } content)
            {
                (choice.Content ??= new StringBuilder()).Append(content);
            }

            if (String(delta, "refusal") is { } refusal)
            {
                (choice.Refusal ??= new StringBuilder()).Append(refusal);
            }

            if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    var index = call.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
                    choice.ToolCalls ??= new SortedDictionary<int, ToolCall>();
                    if (!choice.ToolCalls.TryGetValue(index, out var tool))
                    {
                        choice.ToolCalls[index] = tool = new ToolCall();
                    }

                    tool.Id ??= String(call, "id");
                    if (String(call, "type") is { } type)
                    {
                        tool.Type = type;
                    }

                    if (call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
                    {
                        tool.Name ??= String(function, "name");
                        tool.Arguments.Append(String(function, "arguments"));
                    }
                }
            }
        }

        public byte[] Write()
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer, SseReplay.WriterOptions))
            {
                w.WriteStartObject();
                w.WriteString("id", _id);
                w.WriteString("object", "chat.completion");
                w.WriteNumber("created", _created);
                w.WriteString("model", _model);
                if (_fingerprint is not null)
                {
                    w.WriteString("system_fingerprint", _fingerprint);
                }

                if (_promptFilterResults is not null)
                {
                    w.WritePropertyName("prompt_filter_results");
                    w.WriteRawValue(_promptFilterResults, skipInputValidation: true);
                }

                w.WriteStartArray("choices");
                foreach (var choice in _choices.Values)
                {
                    w.WriteStartObject();
                    w.WriteNumber("index", choice.Index);
                    w.WriteStartObject("message");
                    w.WriteString("role", choice.Role);
                    w.WriteString("content", choice.Content?.ToString());
                    w.WriteString("refusal", choice.Refusal?.ToString());
                    if (choice.ToolCalls is not null)
                    {
                        w.WriteStartArray("tool_calls");
                        foreach (var call in choice.ToolCalls.Values)
                        {
                            w.WriteStartObject();
                            w.WriteString("id", call.Id);
                            w.WriteString("type", call.Type);
                            w.WriteStartObject("function");
                            w.WriteString("name", call.Name);
                            w.WriteString("arguments", call.Arguments.ToString());
                            w.WriteEndObject();
                            w.WriteEndObject();
                        }

                        w.WriteEndArray();
                    }

                    w.WriteEndObject();
                    w.WriteNull("logprobs");
                    w.WriteString("finish_reason", choice.FinishReason);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                if (Usage is not null)
                {
                    w.WritePropertyName("usage");
                    w.WriteRawValue(Usage, skipInputValidation: true);
                }

                w.WriteEndObject();
            }

            return buffer.WrittenSpan.ToArray();
        }

        private static string? String(JsonElement obj, string name)
            => obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
    }
}
