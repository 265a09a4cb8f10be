using System.Text.Json;
using AspireAoai.Simulator.Chat;
using AspireAoai.Simulator.Http;
using AspireAoai.Simulator.Stats;

namespace AspireAoai.Simulator.Streaming;

/// <summary>
/// Streams a chat completion the way Azure does: an empty-choices chunk with the prompt filter results, a
/// role chunk per choice, one chunk per word, a finishing chunk per choice, the usage chunk when asked for,
/// then <c>[DONE]</c>. With the <c>cut</c> fault the connection is cut after half of the content chunks. The tokens
/// of each chunk sent are counted in the stats, so a test knows what a stream cut short generated.
/// </summary>
internal static class ChatStreamWriter
{
    private static readonly TimeSpan CutGrace = TimeSpan.FromMilliseconds(100);

    public static async Task WriteAsync(HttpContext context, ChatCompletion completion, bool includeUsage, Latency latency,
        SimulatorStats stats, bool cut)
    {
        using var sse = SseWriter.Start(context);
        var deployment = completion.Deployment.Name;

        WritePromptFilterChunk(sse.BeginEvent());
        await sse.EndEventAsync();
        stats.RecordTokens(deployment, completion.PromptTokens, completion.Deployment.ReasoningTokens);

        await latency.FirstTokenAsync(context.RequestAborted);

        var choices = completion.Choices;
        var filtered = completion.CompletionFiltered;
        for (var i = 0; i < choices.Count; i++)
        {
            var writer = StartChunk(sse.BeginEvent(), completion, includeUsage);
            writer.WriteStartObject();
            writer.WriteStartObject("content_filter_results");
            writer.WriteEndObject();
            writer.WriteStartObject("delta");
            writer.WriteString("content", "");
            writer.WriteNull("refusal");
            writer.WriteString("role", "assistant");
            writer.WriteEndObject();
            EndChoice(writer, i, null);
            EndChunk(writer);
            await sse.EndEventAsync();
        }

        var steps = 0;
        for (var i = 0; i < choices.Count; i++)
        {
            steps = Math.Max(steps, ChatCompletion.VisiblePieces(choices[i], filtered));
        }

        var cutAt = cut ? Math.Max(1, steps / 2) : int.MaxValue;
        for (var step = 0; step < steps; step++)
        {
            if (step == cutAt)
            {
                // Let what was sent reach the reader first: a reset drops data still unread on the other side.
                await Task.Delay(CutGrace, context.RequestAborted);
                context.Abort();
                return;
            }

            var stepTokens = 0;
            for (var i = 0; i < choices.Count; i++)
            {
                if (step < ChatCompletion.VisiblePieces(choices[i], filtered))
                {
                    stepTokens = Math.Max(stepTokens, choices[i].Pieces[step].Tokens);
                }
            }

            await latency.TokensAsync(stepTokens, context.RequestAborted);
            for (var i = 0; i < choices.Count; i++)
            {
                if (step >= ChatCompletion.VisiblePieces(choices[i], filtered))
                {
                    continue;
                }

                var writer = StartChunk(sse.BeginEvent(), completion, includeUsage);
                writer.WriteStartObject();
                writer.WritePropertyName("content_filter_results");
                ContentFilterJson.WriteCompletionResults(writer, filtered: false);
                writer.WriteStartObject("delta");
                writer.WriteString("content", choices[i].Pieces[step].Text);
                writer.WriteEndObject();
                EndChoice(writer, i, null);
                EndChunk(writer);
                var flushed = await sse.EndEventAsync();
                if (!flushed.IsCompleted && !flushed.IsCanceled)
                {
                    stats.RecordTokens(deployment, 0, choices[i].Pieces[step].Tokens);
                }
            }
        }

        for (var i = 0; i < choices.Count; i++)
        {
            var writer = StartChunk(sse.BeginEvent(), completion, includeUsage);
            writer.WriteStartObject();
            writer.WritePropertyName("content_filter_results");
            if (filtered)
            {
                ContentFilterJson.WriteCompletionResults(writer, filtered: true);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }

            writer.WriteStartObject("delta");
            writer.WriteEndObject();
            EndChoice(writer, i, ChatCompletion.FinishReason(choices[i], filtered));
            EndChunk(writer);
            await sse.EndEventAsync();
        }

        if (includeUsage)
        {
            var writer = sse.BeginEvent();
            writer.WriteStartObject();
            writer.WriteStartArray("choices");
            writer.WriteEndArray();
            WriteChunkIdentity(writer, completion);
            ChatJson.WriteUsage(writer, completion.PromptTokens, completion.CompletionTokens, completion.Deployment.ReasoningTokens);
            writer.WriteEndObject();
            await sse.EndEventAsync();
        }

        await sse.WriteDoneAsync();
    }

    private static void WritePromptFilterChunk(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("choices");
        writer.WriteEndArray();
        writer.WriteNumber("created", 0);
        writer.WriteString("id", "");
        writer.WriteString("model", "");
        writer.WriteString("object", "");
        ContentFilterJson.WritePromptFilterResults(writer);
        writer.WriteEndObject();
    }

    /// <summary>Opens a chunk object and its choices array; the caller writes one choice.</summary>
    private static Utf8JsonWriter StartChunk(Utf8JsonWriter writer, ChatCompletion completion, bool includeUsage)
    {
        writer.WriteStartObject();
        WriteChunkIdentity(writer, completion);
        if (includeUsage)
        {
            writer.WriteNull("usage");
        }

        writer.WriteStartArray("choices");
        return writer;
    }

    private static void EndChoice(Utf8JsonWriter writer, int index, string? finishReason)
    {
        if (finishReason is null)
        {
            writer.WriteNull("finish_reason");
        }
        else
        {
            writer.WriteString("finish_reason", finishReason);
        }

        writer.WriteNumber("index", index);
        writer.WriteNull("logprobs");
        writer.WriteEndObject();
    }

    private static void EndChunk(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteChunkIdentity(Utf8JsonWriter writer, ChatCompletion completion)
    {
        writer.WriteNumber("created", completion.Created);
        writer.WriteString("id", completion.Id);
        writer.WriteString("model", completion.Deployment.Model);
        writer.WriteString("object", "chat.completion.chunk");
        writer.WriteString("system_fingerprint", completion.Deployment.SystemFingerprint);
    }
}
