namespace AspireAoai.Api.Caching;

/// <summary>
/// Set on the <see cref="GatewayRequest"/> when the cache answered it, so usage reporting can record
/// what the hit saved (the tokens the original answer used; its price follows from the model's pricing).
/// </summary>
public sealed class CacheHit
{
    internal CacheHit(string entryId, string model, int inputTokensSaved, int outputTokensSaved, TimeSpan age, int cachedInputTokensSaved = 0)
    {
        CachedInputTokensSaved = cachedInputTokensSaved;
        EntryId = entryId;
        Model = model;
        InputTokensSaved = inputTokensSaved;
        OutputTokensSaved = outputTokensSaved;
        Age = age;
    }

    /// <summary>The entry's key hash.</summary>
    public string EntryId { get; }

    /// <summary>The pool's logical model the entry was stored for.</summary>
    public string Model { get; }

    /// <summary>Prompt tokens the upstream call would have used.</summary>
    public int InputTokensSaved { get; }

    /// <summary>The part of <see cref="InputTokensSaved"/> the original answer had from the prompt cache.</summary>
    public int CachedInputTokensSaved { get; }

    /// <summary>Completion tokens the upstream call would have used.</summary>
    public int OutputTokensSaved { get; }

    /// <summary>Age of the entry when it was served.</summary>
    public TimeSpan Age { get; }
}
