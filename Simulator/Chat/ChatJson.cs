using System.Text.Json;
using AspireAoai.Simulator.Http;

namespace AspireAoai.Simulator.Chat;

/// <summary>Writes chat completions in Azure OpenAI's exact shape (api-version 2024-10-21 and later).</summary>
internal static class ChatJson
{
    public static void WriteCompletion(Utf8JsonWriter writer, ChatCompletion completion)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("choices");
        for (var i = 0; i < completion.Choices.Count; i++)
        {
            var choice = completion.Choices[i];
            var filtered = completion.CompletionFiltered;
            writer.WriteStartObject();
            writer.WritePropertyName("content_filter_results");
            ContentFilterJson.WriteCompletionResults(writer, filtered);
            writer.WriteString("finish_reason", ChatCompletion.FinishReason(choice, filtered));
            writer.WriteNumber("index", i);
            writer.WriteNull("logprobs");
            writer.WriteStartObject("message");
            writer.WriteStartArray("annotations");
            writer.WriteEndArray();
            writer.WriteString("content", filtered ? VisibleText(choice) : choice.Text);
            writer.WriteNull("refusal");
            writer.WriteString("role", "assistant");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteNumber("created", completion.Created);
        writer.WriteString("id", completion.Id);
        writer.WriteString("model", completion.Deployment.Model);
        writer.WriteString("object", "chat.completion");
        ContentFilterJson.WritePromptFilterResults(writer);
        writer.WriteString("system_fingerprint", completion.Deployment.SystemFingerprint);
        WriteUsage(writer, completion.PromptTokens, completion.CompletionTokens, completion.Deployment.ReasoningTokens);
        writer.WriteEndObject();
    }

    /// <summary>The usage object; <paramref name="reasoningTokens"/>, a reasoning model's hidden tokens, are billed in <c>completion_tokens</c> and reported apart.</summary>
    public static void WriteUsage(Utf8JsonWriter writer, int promptTokens, int completionTokens, int reasoningTokens = 0)
    {
        completionTokens += reasoningTokens;
        writer.WriteStartObject("usage");
        writer.WriteNumber("completion_tokens", completionTokens);
        writer.WriteStartObject("completion_tokens_details");
        writer.WriteNumber("accepted_prediction_tokens", 0);
        writer.WriteNumber("audio_tokens", 0);
        writer.WriteNumber("reasoning_tokens", reasoningTokens);
        writer.WriteNumber("rejected_prediction_tokens", 0);
        writer.WriteEndObject();
        writer.WriteNumber("prompt_tokens", promptTokens);
        writer.WriteStartObject("prompt_tokens_details");
        writer.WriteNumber("audio_tokens", 0);
        writer.WriteNumber("cached_tokens", 0);
        writer.WriteEndObject();
        writer.WriteNumber("total_tokens", promptTokens + completionTokens);
        writer.WriteEndObject();
    }

    private static string VisibleText(GeneratedChoice choice)
    {
        var count = ChatCompletion.VisiblePieces(choice, filtered: true);
        var text = "";
        for (var i = 0; i < count; i++)
        {
            text += choice.Pieces[i].Text;
        }

        return text;
    }
}
