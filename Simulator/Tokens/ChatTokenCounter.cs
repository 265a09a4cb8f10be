using AspireAoai.Simulator.Chat;
using Microsoft.ML.Tokenizers;

namespace AspireAoai.Simulator.Tokens;

/// <summary>
/// Prompt tokens of a chat request as OpenAI counts them (the cookbook's num_tokens_from_messages): each
/// message costs 3 tokens of framing plus its role, content and name (+1 for a name), and the reply is
/// primed with 3 more. Tool definitions and images are not counted.
/// </summary>
internal static class ChatTokenCounter
{
    public const int PerMessage = 3;
    public const int PerName = 1;
    public const int ReplyPriming = 3;

    public static int Count(Tokenizer tokenizer, IReadOnlyList<ChatMessage> messages)
    {
        var total = ReplyPriming;
        foreach (var message in messages)
        {
            total += PerMessage + tokenizer.CountTokens(message.Role) + tokenizer.CountTokens(message.Content);
            if (message.Name is { Length: > 0 } name)
            {
                total += PerName + tokenizer.CountTokens(name);
            }
        }

        return total;
    }
}
