namespace AspireAoai.Api;

/// <summary>
/// The tokens one answer used, as the upstream reported them (read by <see cref="Answers.ResponseObserver"/>) or, for a
/// stream that ended without its usage chunk, as the gateway counted them (<see cref="Estimated"/>). Zero when unknown.
/// </summary>
internal readonly record struct ObservedUsage
{
    public int InputTokens { get; init; }

    public int CachedInputTokens { get; init; }

    public int OutputTokens { get; init; }

    public int AudioInputTokens { get; init; }

    public int AudioOutputTokens { get; init; }

    public int ReasoningTokens { get; init; }

    /// <summary>The model the upstream said answered, or null.</summary>
    public string? ResponseModel { get; init; }

    /// <summary>True when the tokens are the gateway's count, not the upstream's.</summary>
    public bool Estimated { get; init; }
}
