namespace AspireAoai.Simulator.Capacity;

/// <summary>The answer of a capacity check, with what the rate-limit headers report.</summary>
public readonly record struct CapacityDecision(
    bool Allowed,
    bool TokenLimitHit,
    TimeSpan RetryAfter,
    int RemainingRequests,
    int RemainingTokens,
    int LimitRequests,
    int LimitTokens);

/// <summary>
/// One deployment's requests and tokens over the last 60 seconds. Every admitted request is kept with its
/// time and token cost, so the window slides exactly and a refusal can say when enough capacity frees up.
/// </summary>
internal sealed class SlidingWindow(int rpm, int tpm)
{
    public static readonly TimeSpan Length = TimeSpan.FromSeconds(60);

    private readonly Queue<(DateTimeOffset At, int Tokens)> _entries = new();
    private readonly Lock _lock = new();
    private long _tokens;

    public CapacityDecision TryAcquire(DateTimeOffset now, int tokens)
    {
        lock (_lock)
        {
            Evict(now);

            if (_entries.Count >= rpm)
            {
                // The oldest request leaving the window frees one request slot.
                var retry = _entries.Peek().At + Length - now;
                return Denied(tokenLimit: false, retry);
            }

            if (_tokens + tokens > tpm)
            {
                return Denied(tokenLimit: true, TimeUntilTokensFit(now, tokens));
            }

            _entries.Enqueue((now, tokens));
            _tokens += tokens;
            return new CapacityDecision(true, false, TimeSpan.Zero, rpm - _entries.Count, RemainingTokens(), rpm, tpm);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _entries.Clear();
            _tokens = 0;
        }
    }

    private CapacityDecision Denied(bool tokenLimit, TimeSpan retryAfter) =>
        new(false, tokenLimit, retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter,
            Math.Max(0, rpm - _entries.Count), RemainingTokens(), rpm, tpm);

    private int RemainingTokens() => (int)Math.Max(0, tpm - _tokens);

    private TimeSpan TimeUntilTokensFit(DateTimeOffset now, int tokens)
    {
        if (tokens > tpm)
        {
            // Never fits; Azure still answers 429 and a full window is the honest wait.
            return Length;
        }

        var used = _tokens;
        foreach (var (at, cost) in _entries)
        {
            used -= cost;
            if (used + tokens <= tpm)
            {
                return at + Length - now;
            }
        }

        return Length;
    }

    private void Evict(DateTimeOffset now)
    {
        var cutoff = now - Length;
        while (_entries.Count > 0 && _entries.Peek().At <= cutoff)
        {
            _tokens -= _entries.Dequeue().Tokens;
        }
    }
}
