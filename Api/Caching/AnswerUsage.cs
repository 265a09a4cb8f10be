namespace AspireAoai.Api.Caching;

/// <summary>What a stored answer saves: its usage.</summary>
internal readonly record struct AnswerUsage(int InputTokens, int OutputTokens, bool Known = true)
{
    /// <summary><c>usage.prompt_tokens_details.cached_tokens</c>: a hit's saved cost prices them as cached input.</summary>
    public int CachedInputTokens { get; init; }
}
