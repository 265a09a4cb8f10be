using AspireAoai.Api.Auth;

namespace AspireAoai.Api.Budgets;

/// <summary>How budgets reserve a request's worst-case cost (section <c>Gateway:Budgets</c>).</summary>
public sealed class BudgetOptions
{
    public const string SectionName = "Gateway:Budgets";

    /// <summary>
    /// How long a reservation holds budget when its request never settles (its replica died, or the usage record was
    /// lost): the longest a request can last. Settled requests release theirs at once.
    /// </summary>
    public TimeSpan ReservationTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Output tokens reserved for a request that sets no <c>max_tokens</c> / <c>max_completion_tokens</c> (per choice).</summary>
    public int DefaultMaxOutputTokens { get; set; } = 16_384;

    /// <summary>Per logical model: the output tokens reserved when a request sets no maximum (overrides the default).</summary>
    public IDictionary<string, int> MaxOutputTokens { get; set; } = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Expiry granularity of reservations: they expire between the timeout and the timeout plus this.</summary>
    internal const int ReservationBucketMs = 10_000;
}
