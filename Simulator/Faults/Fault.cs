namespace AspireAoai.Simulator.Faults;

/// <summary>The failures the simulator can be told to produce.</summary>
public enum FaultKind
{
    /// <summary>429 with <c>retry-after</c> / <c>retry-after-ms</c>.</summary>
    RateLimit,

    /// <summary>500 InternalServerError.</summary>
    ServerError,

    /// <summary>503 ServiceUnavailable.</summary>
    ServiceUnavailable,

    /// <summary>A delay before the headers, then a normal answer.</summary>
    Slow,

    /// <summary>No answer at all until the client gives up.</summary>
    Timeout,

    /// <summary>400 <c>content_filter</c> on the prompt.</summary>
    PromptFilter,

    /// <summary>200 with <c>finish_reason: content_filter</c>.</summary>
    CompletionFilter,

    /// <summary>
    /// A 200 whose connection is cut halfway through the answer: a stream after half of its content chunks, a JSON
    /// answer after half of its body. Chat only.
    /// </summary>
    Cut,
}

/// <summary>One fault to apply to one request.</summary>
public readonly record struct Fault(FaultKind Kind, int RetryAfterMs, int DelayMs)
{
    public const int DefaultRetryAfterMs = 1000;
    public const int DefaultDelayMs = 5000;

    /// <summary>The names used on the wire (admin API and <c>x-sim-fault</c>), in <see cref="FaultKind"/> order.</summary>
    public static readonly string[] Names = ["429", "500", "503", "slow", "timeout", "prompt_filter", "completion_filter", "cut"];

    public static bool TryParseKind(string? value, out FaultKind kind)
    {
        var trimmed = value.AsSpan().Trim();
        for (var i = 0; i < Names.Length; i++)
        {
            if (trimmed.Equals(Names[i], StringComparison.OrdinalIgnoreCase))
            {
                kind = (FaultKind)i;
                return true;
            }
        }

        kind = default;
        return false;
    }

    public static string NameOf(FaultKind kind) => Names[(int)kind];

    /// <summary>True when the fault means something for the operation; a rule that does not apply is not used up.</summary>
    public static bool AppliesTo(FaultKind kind, bool embeddings) => !(embeddings && kind is FaultKind.CompletionFilter or FaultKind.Cut);
}
