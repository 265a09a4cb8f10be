using System.Text.Json.Serialization;

namespace AspireAoai.Accounting.Usage;

/// <summary>
/// The totals of a Worker aggregate document in the Cosmos DB <c>costs</c> container, as stored (camelCase): what the
/// Worker adds events to and what the Api's usage reports read back. Costs are exact decimal strings.
/// </summary>
public class AggregateTotals
{
    /// <summary>The UTC day (<c>yyyy-MM-dd</c>) or month (<c>yyyy-MM</c>).</summary>
    public string Period { get; set; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Deployment { get; set; }

    public long Requests { get; set; }
    public long Errors { get; set; }
    public long InputTokens { get; set; }
    public long CachedInputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CacheHits { get; set; }
    public long SavedInputTokens { get; set; }
    public long SavedOutputTokens { get; set; }

    /// <summary>The part of <see cref="OutputTokens"/> that were reasoning tokens (events of schema version 5 on).</summary>
    public long ReasoningTokens { get; set; }

    /// <summary>The part of <see cref="InputTokens"/> that were audio.</summary>
    public long AudioInputTokens { get; set; }

    /// <summary>The part of <see cref="OutputTokens"/> that were audio.</summary>
    public long AudioOutputTokens { get; set; }

    /// <summary>Requests whose tokens are the gateway's estimate (a stream that ended without a usage chunk).</summary>
    public long EstimatedRequests { get; set; }

    /// <summary>The part of <see cref="InputTokens"/> that was estimated.</summary>
    public long EstimatedInputTokens { get; set; }

    /// <summary>The part of <see cref="OutputTokens"/> that was estimated.</summary>
    public long EstimatedOutputTokens { get; set; }

    /// <summary>USD of the priced events as an exact decimal string; null while no event had a price.</summary>
    public string? Cost { get; set; }

    /// <summary>USD the response cache saved, exact decimal string; null while nothing priced was saved.</summary>
    public string? SavedCost { get; set; }

    public long UnpricedRequests { get; set; }
}
