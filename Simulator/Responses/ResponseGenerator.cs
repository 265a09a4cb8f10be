using AspireAoai.Simulator.Chat;
using AspireAoai.Simulator.Tokens;
using Microsoft.ML.Tokenizers;

namespace AspireAoai.Simulator.Responses;

/// <summary>The answer to a create, before it is stored or written.</summary>
internal sealed record GeneratedResponse(
    IReadOnlyList<ResponseItem> Output, int InputTokens, int CachedTokens, int OutputTokens, string? IncompleteReason);

/// <summary>
/// Counts a create's input and makes its deterministic answer with the chat machinery: the instructions and every
/// conversation item become chat messages (a function call as an assistant message of its name and arguments, its
/// output as a tool message), counted and answered exactly as a chat request with those messages would be.
/// </summary>
internal static class ResponseGenerator
{
    /// <summary>Upstream caches prompt prefixes of at least 1024 tokens, in steps of 128.</summary>
    public const int CacheMinimum = 1024;
    public const int CacheIncrement = 128;

    /// <param name="tokenizer">The deployment model's tokenizer.</param>
    /// <param name="request">The create.</param>
    /// <param name="conversation">Inherited items, then the request's input.</param>
    /// <param name="inherited">How many leading items came from <c>previous_response_id</c>.</param>
    /// <param name="filtered">The content filter cuts the text answer halfway.</param>
    public static GeneratedResponse Generate(Tokenizer tokenizer, ResponsesRequest request, IReadOnlyList<ResponseItem> conversation,
        int inherited, bool filtered)
    {
        var chat = new ChatRequest { MaxTokens = request.MaxOutputTokens, HasMessages = true };
        var tokens = request.ToolsJson is { } tools ? tokenizer.CountTokens(tools) : 0;
        if (request.Instructions is { } instructions)
        {
            chat.Messages.Add(new ChatMessage("system", instructions, null));
            tokens += Count(tokenizer, chat.Messages[^1]);
        }

        var prefix = 0;
        for (var i = 0; i < conversation.Count; i++)
        {
            if (i == inherited)
            {
                prefix = tokens;
            }

            chat.Messages.Add(conversation[i].AsChatMessage());
            tokens += Count(tokenizer, chat.Messages[^1]);
        }

        if (inherited == conversation.Count)
        {
            prefix = tokens;
        }

        // The earlier turns are the prefix of this prompt, so upstream finds them in its prompt cache.
        var cached = inherited > 0 && prefix >= CacheMinimum ? prefix / CacheIncrement * CacheIncrement : 0;

        var input = tokens + ChatTokenCounter.ReplyPriming;
        if (FunctionCallRule.ToolToCall(request, conversation) is { } tool)
        {
            var arguments = FunctionCallRule.Arguments(tool);
            var call = new ResponseItem(ResponseItemKind.FunctionCall, ResponseItem.NewFunctionCallId(), "assistant",
                tool.Name + " " + arguments, CallId: Ids.NewCallId(), Name: tool.Name, Arguments: arguments);
            return new GeneratedResponse([call], input, cached, tokenizer.CountTokens(tool.Name) + tokenizer.CountTokens(arguments), null);
        }

        var choice = CompletionGenerator.Generate(chat, CompletionGenerator.Fingerprint(chat), 0, tokenizer);
        var pieces = choice.Pieces;
        var text = choice.Text;
        var output = choice.Tokens;
        string? incomplete = choice.HitLimit ? "max_output_tokens" : null;
        if (filtered)
        {
            // Upstream stops the text where the filter tripped and marks the response incomplete.
            var visible = new List<TextPiece>(pieces.Count);
            for (var i = 0; i < ChatCompletion.VisiblePieces(choice, filtered: true); i++)
            {
                visible.Add(pieces[i]);
            }

            pieces = visible;
            text = string.Concat(visible.Select(p => p.Text));
            output = tokenizer.CountTokens(text);
            incomplete = "content_filter";
        }

        var message = new ResponseItem(ResponseItemKind.Message, ResponseItem.NewMessageId(), "assistant", text,
            ContentJson: InputItemParser.OnePart("output_text", text), Pieces: pieces);
        return new GeneratedResponse([message], input, cached, output, incomplete);
    }

    private static int Count(Tokenizer tokenizer, ChatMessage message) =>
        ChatTokenCounter.PerMessage + tokenizer.CountTokens(message.Role) + tokenizer.CountTokens(message.Content);
}
