using System.Text.Json;
using AspireAoai.Api.Answers;
using AspireAoai.Api.Parsing;

namespace AspireAoai.Api.Caching;

/// <summary>
/// Decides whether a complete response body may be stored: a chat completion whose every choice finished with
/// <c>stop</c> or <c>length</c> (or called tools, when configured), or an embeddings list; never an error.
/// Runs off the response path.
/// </summary>
internal static class AnswerInspector
{
    /// <summary>Null when <paramref name="body"/> may be stored, else the reason (a metric tag) it may not.</summary>
    public static string? Check(ReadOnlySpan<byte> body, OperationKind operation, bool cacheToolCalls, out AnswerUsage usage)
    {
        usage = default;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "invalid_body";
            }

            if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
            {
                return "error";
            }

            var reason = operation == OperationKind.Embeddings ? CheckEmbeddings(root) : CheckChat(root, cacheToolCalls);
            if (reason is null)
            {
                usage = ReadUsage(body);
            }

            return reason;
        }
        catch (JsonException)
        {
            return "invalid_body";
        }
    }

    private static string? CheckChat(JsonElement root, bool cacheToolCalls)
    {
        if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
        {
            return "no_choices";
        }

        foreach (var choice in choices.EnumerateArray())
        {
            var finish = choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            var callsTools = choice.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object &&
                ((message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0) ||
                 (message.TryGetProperty("function_call", out var call) && call.ValueKind == JsonValueKind.Object));
            if (callsTools && !cacheToolCalls)
            {
                return "tool_calls";
            }

            var finishOk = finish is "stop" or "length" || (cacheToolCalls && finish is "tool_calls" or "function_call");
            if (!finishOk)
            {
                return "finish_reason";
            }
        }

        return null;
    }

    private static string? CheckEmbeddings(JsonElement root)
        => root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0 ? null : "no_data";

    /// <summary>The answer's usage, read by the <see cref="ResponseObserver"/> that reads it for billing, so both agree.</summary>
    private static AnswerUsage ReadUsage(ReadOnlySpan<byte> body)
    {
        using var observer = ResponseObserver.Rent();
        observer.FeedJson(body);
        if (!observer.UsageSeen)
        {
            return new AnswerUsage(0, 0, Known: false);
        }

        var input = Positive(observer.InputTokens);
        return new AnswerUsage(input, Positive(observer.OutputTokens)) { CachedInputTokens = Math.Min(Positive(observer.CachedInputTokens), input) };
    }

    private static int Positive(int? count) => count is > 0 ? count.Value : 0;
}
