namespace AspireAoai.Simulator.Chat;

/// <summary>One chat message, reduced to what token counting and answer generation need.</summary>
internal readonly record struct ChatMessage(string Role, string Content, string? Name);

/// <summary>The parts of a chat completions request the simulator acts on.</summary>
internal sealed class ChatRequest
{
    public string? Model { get; set; }

    /// <summary>Empty when the parser was told to skip message text (fixed-answer mode).</summary>
    public List<ChatMessage> Messages { get; } = [];

    public bool HasMessages { get; set; }

    /// <summary><c>max_completion_tokens</c> if given, else <c>max_tokens</c>.</summary>
    public int? MaxTokens { get; set; }

    public int N { get; set; } = 1;

    public bool Stream { get; set; }

    public bool IncludeUsage { get; set; }
}
