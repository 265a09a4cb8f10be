using AspireAoai.Simulator.Stats;
using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using AspireAoai.Simulator.Admission;
using AspireAoai.Simulator.Chat;
using AspireAoai.Simulator.Deployments;
using AspireAoai.Simulator.Http;
using AspireAoai.Simulator.Streaming;

namespace AspireAoai.Simulator.FixedAnswer;

/// <summary>
/// Benchmark mode: every chat call gets the same answer, written from bytes prepared at start. No tokenizer,
/// no latency, no capacity limits (they would throttle a load test); faults and stats still work.
/// </summary>
internal sealed class FixedAnswerResponder
{
    public const string Text = "This is the fixed answer of the Azure OpenAI simulator.";
    public const int PromptTokens = 20;
    public const int CompletionTokens = 12;
    public const string Id = "chatcmpl-fixed";

    private readonly RequestAdmission _admission;
    private readonly SimulatorStats _stats;
    private readonly FrozenDictionary<string, Prepared> _prepared;

    public FixedAnswerResponder(RequestAdmission admission, DeploymentCatalog catalog, SimulatorStats stats, TimeProvider time)
    {
        _admission = admission;
        _stats = stats;
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var prepared = new Dictionary<string, Prepared>(StringComparer.OrdinalIgnoreCase);
        foreach (var deployment in catalog.All)
        {
            if (!deployment.IsEmbeddings)
            {
                prepared[deployment.Name] = Prepare(deployment, created);
            }
        }

        _prepared = prepared.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public async Task RespondAsync(HttpContext context, Deployment deployment, ChatRequest request, string apiVersion)
    {
        var outcome = await _admission.AdmitAsync(context, deployment, Operation.Chat, apiVersion, 0, enforceCapacity: false);
        if (outcome == AdmissionOutcome.Answered)
        {
            return;
        }

        var prepared = _prepared[deployment.Name];
        var headers = context.Response.Headers;
        headers[SimHeaders.RemainingRequests] = prepared.Rpm;
        headers[SimHeaders.RemainingTokens] = prepared.Tpm;

        if (outcome is AdmissionOutcome.ProceedFiltered or AdmissionOutcome.ProceedCut)
        {
            // Rare (a fault was asked for): build the full answer instead of keeping more variants in memory.
            var completion = new ChatCompletion(Id, prepared.Created, deployment, [prepared.Choice], PromptTokens,
                CompletionFiltered: outcome == AdmissionOutcome.ProceedFiltered);
            var cut = outcome == AdmissionOutcome.ProceedCut;
            if (request.Stream)
            {
                await ChatStreamWriter.WriteAsync(context, completion, request.IncludeUsage, Latency.None, _stats, cut);
            }
            else if (cut)
            {
                await JsonAnswer.WriteCutAsync(context, completion, static (writer, c) => ChatJson.WriteCompletion(writer, c));
            }
            else
            {
                await JsonAnswer.WriteAsync(context, completion, static (writer, c) => ChatJson.WriteCompletion(writer, c));
            }

            return;
        }

        if (!request.Stream)
        {
            await JsonAnswer.WriteAsync(context, prepared.Body);
            return;
        }

        using var sse = SseWriter.Start(context);
        await sse.WriteRawAsync(request.IncludeUsage ? prepared.StreamWithUsage : prepared.Stream);
    }

    private static Prepared Prepare(Deployment deployment, long created)
    {
        var words = Text.Split(' ');
        var pieces = new TextPiece[words.Length];
        for (var i = 0; i < words.Length; i++)
        {
            pieces[i] = new TextPiece(i == 0 ? words[i] : " " + words[i], 1);
        }

        var choice = new GeneratedChoice(Text, pieces, CompletionTokens, HitLimit: false);
        return new Prepared(
            Body(deployment, created),
            StreamBytes(deployment, created, includeUsage: false),
            StreamBytes(deployment, created, includeUsage: true),
            choice,
            created,
            deployment.Rpm.ToString(CultureInfo.InvariantCulture),
            deployment.Tpm.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The lean non-streamed answer (under 400 bytes): Azure's shape without the optional filter annotations and usage details.</summary>
    private static byte[] Body(Deployment deployment, long created)
    {
        using var buffer = new PooledBufferWriter(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteString("finish_reason", "stop");
            writer.WriteNumber("index", 0);
            writer.WriteNull("logprobs");
            writer.WriteStartObject("message");
            writer.WriteString("content", Text);
            writer.WriteNull("refusal");
            writer.WriteString("role", "assistant");
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteNumber("created", created);
            writer.WriteString("id", Id);
            writer.WriteString("model", deployment.Model);
            writer.WriteString("object", "chat.completion");
            writer.WriteString("system_fingerprint", deployment.SystemFingerprint);
            WriteLeanUsage(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory.ToArray();
    }

    /// <summary>The whole event stream: role chunk, one content chunk, finish chunk, optional usage, [DONE].</summary>
    private static byte[] StreamBytes(Deployment deployment, long created, bool includeUsage)
    {
        using var buffer = new PooledBufferWriter(2048);
        using var writer = new Utf8JsonWriter(buffer);

        void Chunk(string? role, string? content, string? finishReason)
        {
            buffer.Write("data: "u8);
            writer.Reset(buffer);
            writer.WriteStartObject();
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteStartObject("delta");
            if (content is not null)
            {
                writer.WriteString("content", content);
            }

            if (role is not null)
            {
                writer.WriteString("role", role);
            }

            writer.WriteEndObject();
            if (finishReason is null)
            {
                writer.WriteNull("finish_reason");
            }
            else
            {
                writer.WriteString("finish_reason", finishReason);
            }

            writer.WriteNumber("index", 0);
            writer.WriteNull("logprobs");
            writer.WriteEndObject();
            writer.WriteEndArray();
            Identity();
            if (includeUsage)
            {
                writer.WriteNull("usage");
            }

            writer.WriteEndObject();
            writer.Flush();
            buffer.Write("\n\n"u8);
        }

        void Identity()
        {
            writer.WriteNumber("created", created);
            writer.WriteString("id", Id);
            writer.WriteString("model", deployment.Model);
            writer.WriteString("object", "chat.completion.chunk");
            writer.WriteString("system_fingerprint", deployment.SystemFingerprint);
        }

        Chunk("assistant", "", null);
        Chunk(null, Text, null);
        Chunk(null, null, "stop");
        if (includeUsage)
        {
            buffer.Write("data: "u8);
            writer.Reset(buffer);
            writer.WriteStartObject();
            writer.WriteStartArray("choices");
            writer.WriteEndArray();
            Identity();
            WriteLeanUsage(writer);
            writer.WriteEndObject();
            writer.Flush();
            buffer.Write("\n\n"u8);
        }

        buffer.Write("data: [DONE]\n\n"u8);
        return buffer.WrittenMemory.ToArray();
    }

    /// <summary>Usage without the optional detail objects, to keep the answer small.</summary>
    private static void WriteLeanUsage(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("completion_tokens", CompletionTokens);
        writer.WriteNumber("prompt_tokens", PromptTokens);
        writer.WriteNumber("total_tokens", PromptTokens + CompletionTokens);
        writer.WriteEndObject();
    }

    private sealed record Prepared(
        byte[] Body, byte[] Stream, byte[] StreamWithUsage, GeneratedChoice Choice, long Created, string Rpm, string Tpm);
}
