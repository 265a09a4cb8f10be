using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AspireAoai.Api.Parsing;
using Microsoft.ML.Tokenizers;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Estimates a request's tokens before it goes upstream: the prompt with the model's tokenizer (o200k_base for the
/// gpt-4o family and newer, cl100k_base for older models) counted the way OpenAI does for chat (3 tokens per message,
/// 1 per name, 3 to prime the reply), plus the completion it may produce (<c>max_completion_tokens</c> /
/// <c>max_tokens</c>, else a configured default, times <c>n</c>). Embeddings count their input only.
/// </summary>
public sealed class TokenEstimator
{
    internal const int PerMessage = 3;
    internal const int PerName = 1;
    internal const int ReplyPriming = 3;

    private readonly int _defaultCompletion;

    public TokenEstimator(IOptions<RateLimitOptions> options) => _defaultCompletion = options.Value.DefaultCompletionTokens;

    /// <summary>Loads both vocabularies (a few hundred milliseconds each) so no request pays for it.</summary>
    public static void WarmUp() => ModelEncodings.WarmUp();

    /// <summary>The tokenizer of a model (see <see cref="ModelEncodings"/>).</summary>
    public static Tokenizer ForModel(string model) => ModelEncodings.ForModel(model);

    /// <summary>Prompt plus completion tokens the request may use.</summary>
    public long Estimate(GatewayRequest request) => Estimate(request.Operation, request.Pool.Model, request.Body.Span, request.Parsed.MaxTokens, request.Parsed.N);

    /// <summary>The completion tokens <see cref="Estimate(GatewayRequest)"/> counts for a chat request (0 for embeddings).</summary>
    public long CompletionAllowance(OperationKind operation, int? maxTokens, int? n)
        => !operation.GeneratesOutput() ? 0 : (long)(maxTokens ?? _defaultCompletion) * Math.Max(1, n ?? 1);

    /// <summary>Prompt plus completion tokens of a body.</summary>
    public long Estimate(OperationKind operation, string model, ReadOnlySpan<byte> body, int? maxTokens, int? n)
    {
        if (operation == OperationKind.ResponsesFollowUp)
        {
            return 0;
        }

        var tokenizer = ForModel(model);
        if (operation == OperationKind.Embeddings)
        {
            return Math.Max(1, CountEmbeddingsInput(tokenizer, body));
        }

        var prompt = CountPrompt(operation, tokenizer, body);
        var completion = (long)(maxTokens ?? _defaultCompletion) * Math.Max(1, n ?? 1);
        return prompt + completion;
    }

    /// <summary>Prompt tokens of a chat body or of a Responses create.</summary>
    public static long CountPrompt(OperationKind operation, Tokenizer tokenizer, ReadOnlySpan<byte> body)
        => operation == OperationKind.Responses ? ResponsesPromptCounter.Count(tokenizer, body) : CountChatPrompt(tokenizer, body);

    /// <summary>Prompt tokens of a chat body (messages; tool definitions at about 4 bytes a token).</summary>
    public static long CountChatPrompt(Tokenizer tokenizer, ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        long total = ReplyPriming;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return total;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("messages"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    total += CountMessages(tokenizer, ref reader);
                    continue;
                }
            }
            else if (reader.ValueTextEquals("tools"u8) || reader.ValueTextEquals("functions"u8))
            {
                reader.Read();
                var from = reader.TokenStartIndex;
                reader.Skip();
                total += ((reader.BytesConsumed - from) / 4) + 1;
                continue;
            }
            else
            {
                reader.Read();
            }

            reader.Skip();
        }

        return total;
    }

    /// <summary>Input tokens of an embeddings body: strings tokenized, token arrays counted.</summary>
    public static long CountEmbeddingsInput(Tokenizer tokenizer, ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return 0;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isInput = reader.ValueTextEquals("input"u8);
            reader.Read();
            if (!isInput)
            {
                reader.Skip();
                continue;
            }

            if (reader.TokenType == JsonTokenType.String)
            {
                return Count(tokenizer, ref reader);
            }

            long total = 0;
            var depth = reader.CurrentDepth;
            while (reader.Read() && reader.CurrentDepth > depth)
            {
                if (reader.TokenType == JsonTokenType.String)
                {
                    total += Count(tokenizer, ref reader);
                }
                else if (reader.TokenType == JsonTokenType.Number)
                {
                    total++;
                }
            }

            return total;
        }

        return 0;
    }

    private static long CountMessages(Tokenizer tokenizer, ref Utf8JsonReader reader)
    {
        long total = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            total += PerMessage;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isName = reader.ValueTextEquals("name"u8);
                var isRole = !isName && reader.ValueTextEquals("role"u8);
                var isText = isName || isRole || reader.ValueTextEquals("content"u8);
                reader.Read();
                if (isRole && reader.TokenType == JsonTokenType.String && RoleTokens(tokenizer, ref reader) is var role and >= 0)
                {
                    total += role;
                }
                else if (isText && reader.TokenType == JsonTokenType.String)
                {
                    total += Count(tokenizer, ref reader) + (isName ? PerName : 0);
                }
                else if (isText && reader.TokenType == JsonTokenType.StartArray)
                {
                    total += CountParts(tokenizer, ref reader);
                }
                else if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
                {
                    // tool_calls and the like: about 4 bytes a token.
                    var from = reader.TokenStartIndex;
                    reader.Skip();
                    total += ((reader.BytesConsumed - from) / 4) + 1;
                }
            }
        }

        return total;
    }

    /// <summary>Content parts: text is tokenized; an image is charged a fixed 85 tokens (the low-detail cost).</summary>
    private static long CountParts(Tokenizer tokenizer, ref Utf8JsonReader reader)
    {
        long total = 0;
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 2)
            {
                if (reader.ValueTextEquals("text"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        total += Count(tokenizer, ref reader);
                    }
                }
                else if (reader.ValueTextEquals("image_url"u8))
                {
                    total += 85;
                }
            }
        }

        return total;
    }

    /// <summary>The roles every chat message names, counted once per tokenizer instead of on every message.</summary>
    private static readonly string[] Roles = ["system", "user", "assistant", "developer", "tool", "function"];

    private static readonly ConditionalWeakTable<Tokenizer, int[]> RoleCounts = new();

    /// <summary>Tokens of a well-known role value (the same count the tokenizer gives it), or -1 for any other value.</summary>
    private static int RoleTokens(Tokenizer tokenizer, ref Utf8JsonReader reader)
    {
        var index = reader.ValueTextEquals("user"u8) ? 1
            : reader.ValueTextEquals("assistant"u8) ? 2
            : reader.ValueTextEquals("system"u8) ? 0
            : reader.ValueTextEquals("developer"u8) ? 3
            : reader.ValueTextEquals("tool"u8) ? 4
            : reader.ValueTextEquals("function"u8) ? 5
            : -1;
        if (index < 0)
        {
            return -1;
        }

        if (!RoleCounts.TryGetValue(tokenizer, out var counts))
        {
            counts = RoleCounts.GetValue(tokenizer, static t => Array.ConvertAll(Roles, role => t.CountTokens(role)));
        }

        return counts[index];
    }

    private static readonly TokenCountMemo Memo = new();

    internal static int Count(Tokenizer tokenizer, ref Utf8JsonReader reader)
    {
        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (length == 0)
        {
            return 0;
        }

        var chars = ArrayPool<char>.Shared.Rent(length);
        try
        {
            var text = chars.AsSpan(0, reader.CopyString(chars));
            return Memo.Count(tokenizer, text);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
