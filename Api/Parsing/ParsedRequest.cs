namespace AspireAoai.Api.Parsing;

/// <summary>What the gateway reads from a request body; everything else passes through untouched.</summary>
public readonly record struct ParsedRequest
{
    /// <summary>The body's <c>model</c>, if any.</summary>
    public string? Model { get; init; }

    public bool Stream { get; init; }

    /// <summary><c>stream_options.include_usage</c>.</summary>
    public bool IncludeUsage { get; init; }

    /// <summary><c>max_completion_tokens</c>, else <c>max_tokens</c>.</summary>
    public int? MaxTokens { get; init; }

    public double? Temperature { get; init; }

    public long? Seed { get; init; }

    public int? N { get; init; }

    /// <summary>Responses: <c>store</c> (the upstream keeps the response; true unless the body says false).</summary>
    public bool Store { get; init; }

    /// <summary>Responses: <c>previous_response_id</c>, the stored response this one continues.</summary>
    public string? PreviousResponseId { get; init; }
}
