using System.Text.Json.Serialization;

namespace AspireAoai.Api.Caching;

/// <summary>
/// One cached answer as stored in the Cosmos DB container <c>cache</c> (partition key <c>/clientId</c>).
/// The body is the response JSON as a string, so a hit returns the stored bytes unchanged.
/// </summary>
public sealed record CacheEntry
{
    /// <summary>The key hash (<see cref="CacheKey"/>).</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>The partition: the client id, or <c>shared:{namespace}</c>.</summary>
    [JsonPropertyName("clientId")]
    public required string ClientId { get; init; }

    /// <summary><c>chat</c> or <c>embeddings</c>.</summary>
    [JsonPropertyName("operation")]
    public required string Operation { get; init; }

    /// <summary>The pool's logical model.</summary>
    [JsonPropertyName("model")]
    public required string Model { get; init; }

    /// <summary>The response JSON (a <c>chat.completion</c> or an embeddings list).</summary>
    [JsonPropertyName("body")]
    public required string Body { get; init; }

    [JsonPropertyName("created")]
    public required DateTimeOffset Created { get; init; }

    /// <summary>The gateway never serves the entry from this instant on, whether or not the store deleted it.</summary>
    [JsonPropertyName("expiresAt")]
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Cosmos DB TTL in seconds, so the store deletes the item too.</summary>
    [JsonPropertyName("ttl")]
    public required int Ttl { get; init; }

    /// <summary><c>usage.prompt_tokens</c> of the answer: what a hit saves.</summary>
    [JsonPropertyName("inputTokens")]
    public int InputTokens { get; init; }

    /// <summary>
    /// <c>usage.prompt_tokens_details.cached_tokens</c> of the answer: the part of <see cref="InputTokens"/> a hit saves
    /// at the cached-input price. 0 in entries stored before it was recorded.
    /// </summary>
    [JsonPropertyName("cachedInputTokens")]
    public int CachedInputTokens { get; init; }

    /// <summary><c>usage.completion_tokens</c> of the answer.</summary>
    [JsonPropertyName("outputTokens")]
    public int OutputTokens { get; init; }

    /// <summary>
    /// False for an answer streamed without <c>stream_options.include_usage</c>: its body has no usage, so it only
    /// serves streamed requests that do not ask for usage either.
    /// </summary>
    [JsonPropertyName("hasUsage")]
    public bool HasUsage { get; init; } = true;
}
