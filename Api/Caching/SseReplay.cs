using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AspireAoai.Api.Caching;

/// <summary>
/// Turns a cached <c>chat.completion</c> into the server-sent events a streamed request expects: per choice a
/// chunk with the role, one with the content (and tool calls), one with the finish reason; then the usage chunk
/// (empty <c>choices</c>) when the client asked for <c>stream_options.include_usage</c>; then <c>data: [DONE]</c>.
/// </summary>
internal static class SseReplay
{
    /// <summary>Answer text is written as UTF-8, as the service writes it; these bodies are never HTML.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Build(ReadOnlySpan<byte> completion, bool includeUsage)
    {
        var reader = new Utf8JsonReader(completion, new JsonReaderOptions { MaxDepth = 64 });
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var output = new ArrayBufferWriter<byte>(completion.Length * 2 + 512);
        var header = new ChunkHeader(root, includeUsage);

        if (root.TryGetProperty("prompt_filter_results", out var pfr) && pfr.ValueKind == JsonValueKind.Array)
        {
            // Azure's first chunk: prompt filter results and no choices.
            WriteEvent(output, header, w =>
            {
                w.WriteStartArray("choices");
                w.WriteEndArray();
                w.WritePropertyName("prompt_filter_results");
                pfr.WriteTo(w);
            });
        }

        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                WriteChoice(output, header, choice);
            }
        }

        if (includeUsage && root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            WriteEvent(output, header, w =>
            {
                w.WriteStartArray("choices");
                w.WriteEndArray();
                w.WritePropertyName("usage");
                usage.WriteTo(w);
            }, usageWritten: true);
        }

        output.Write("data: [DONE]\n\n"u8);
        return output.WrittenSpan.ToArray();
    }

    private static void WriteChoice(ArrayBufferWriter<byte> output, ChunkHeader header, JsonElement choice)
    {
        var index = choice.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
        choice.TryGetProperty("message", out var message);
        var hasMessage = message.ValueKind == JsonValueKind.Object;
        var role = hasMessage && message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : "assistant";

        WriteDelta(output, header, index, w =>
        {
            w.WriteString("role", role);
            w.WriteString("content", "");
        }, finishReason: null);

        if (hasMessage)
        {
            WriteDelta(output, header, index, w =>
            {
                foreach (var property in message.EnumerateObject())
                {
                    if (property.NameEquals("role"))
                    {
                        continue;
                    }

                    if (property.NameEquals("tool_calls") && property.Value.ValueKind == JsonValueKind.Array)
                    {
                        WriteToolCalls(w, property.Value);
                    }
                    else if (property.Value.ValueKind != JsonValueKind.Null)
                    {
                        property.WriteTo(w);
                    }
                }
            }, finishReason: null);
        }

        var finish = choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : "stop";
        WriteDelta(output, header, index, static _ => { }, finish);
    }

    /// <summary>A streamed tool call carries its <c>index</c> in the list.</summary>
    private static void WriteToolCalls(Utf8JsonWriter w, JsonElement calls)
    {
        w.WriteStartArray("tool_calls");
        var index = 0;
        foreach (var call in calls.EnumerateArray())
        {
            w.WriteStartObject();
            w.WriteNumber("index", index++);
            foreach (var property in call.EnumerateObject())
            {
                property.WriteTo(w);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteDelta(ArrayBufferWriter<byte> output, ChunkHeader header, int index, Action<Utf8JsonWriter> delta, string? finishReason)
        => WriteEvent(output, header, w =>
        {
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", index);
            w.WriteStartObject("delta");
            delta(w);
            w.WriteEndObject();
            w.WriteNull("logprobs");
            w.WriteString("finish_reason", finishReason);
            w.WriteEndObject();
            w.WriteEndArray();
        });

    private static void WriteEvent(ArrayBufferWriter<byte> output, ChunkHeader header, Action<Utf8JsonWriter> body, bool usageWritten = false)
    {
        output.Write("data: "u8);
        using (var w = new Utf8JsonWriter(output, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", header.Id);
            w.WriteString("object", "chat.completion.chunk");
            w.WriteNumber("created", header.Created);
            w.WriteString("model", header.Model);
            if (header.Fingerprint is not null)
            {
                w.WriteString("system_fingerprint", header.Fingerprint);
            }

            body(w);
            if (header.IncludeUsage && !usageWritten)
            {
                // As the service does: every chunk but the last carries "usage": null when usage was asked for.
                w.WriteNull("usage");
            }

            w.WriteEndObject();
        }

        output.Write("\n\n"u8);
    }

    private readonly struct ChunkHeader
    {
        public ChunkHeader(JsonElement root, bool includeUsage)
        {
            Id = Text(root, "id") ?? "";
            Model = Text(root, "model") ?? "";
            Fingerprint = Text(root, "system_fingerprint");
            Created = root.TryGetProperty("created", out var c) && c.TryGetInt64(out var v) ? v : 0;
            IncludeUsage = includeUsage;
        }

        public string Id { get; }

        public string Model { get; }

        public string? Fingerprint { get; }

        public long Created { get; }

        public bool IncludeUsage { get; }

        private static string? Text(JsonElement obj, string name)
            => obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
