namespace AspireAoai.Simulator.Faults;

/// <summary>What a person or a test asks for through <c>POST /sim/faults</c>.</summary>
public sealed class FaultRequest
{
    /// <summary><c>429</c>, <c>500</c>, <c>503</c>, <c>slow</c>, <c>timeout</c>, <c>prompt_filter</c>, <c>completion_filter</c> or <c>cut</c>.</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(StringOrNumberConverter))]
    public string? Kind { get; set; }

    /// <summary>Only this deployment; null for every deployment.</summary>
    public string? Deployment { get; set; }

    /// <summary>How many requests to fail; null for no limit.</summary>
    public int? Count { get; set; }

    /// <summary>For how long; null for no limit. Without count and duration the rule stays until deleted.</summary>
    public int? DurationMs { get; set; }

    public int? RetryAfterMs { get; set; }

    public int? DelayMs { get; set; }
}

/// <summary>An active fault rule, as <c>GET /sim/faults</c> lists it.</summary>
public sealed record FaultRuleView(
    int Id, string Kind, string? Deployment, int? Remaining, DateTimeOffset? ExpiresAt, int RetryAfterMs, int DelayMs);

/// <summary>The fault rules switched on at run time.</summary>
public interface IFaultStore
{
    FaultRuleView Add(FaultKind kind, FaultRequest request);

    /// <summary>Uses up one application of the first live rule that matches, if any.</summary>
    bool TryTake(string deployment, bool embeddings, out Fault fault);

    IReadOnlyList<FaultRuleView> List();

    void Clear();
}

internal sealed class FaultStore(TimeProvider time) : IFaultStore
{
    private readonly Lock _lock = new();

    // Copy-on-write: the request path reads one volatile field and, with no faults, does nothing else.
    private volatile Rule[] _rules = [];
    private int _nextId;

    public FaultRuleView Add(FaultKind kind, FaultRequest request)
    {
        var rule = new Rule(
            Interlocked.Increment(ref _nextId),
            new Fault(kind, request.RetryAfterMs ?? Fault.DefaultRetryAfterMs, request.DelayMs ?? Fault.DefaultDelayMs),
            string.IsNullOrWhiteSpace(request.Deployment) ? null : request.Deployment.Trim(),
            request.Count ?? -1,
            request.DurationMs is { } ms ? time.GetUtcNow().AddMilliseconds(ms) : null);
        lock (_lock)
        {
            _rules = [.. _rules, rule];
        }

        return rule.ToView();
    }

    public bool TryTake(string deployment, bool embeddings, out Fault fault)
    {
        var rules = _rules;
        if (rules.Length == 0)
        {
            fault = default;
            return false;
        }

        var now = time.GetUtcNow();
        foreach (var rule in rules)
        {
            if (rule.ExpiresAt is { } expires && now >= expires)
            {
                Remove(rule);
                continue;
            }

            if ((rule.Deployment is not null && !string.Equals(rule.Deployment, deployment, StringComparison.OrdinalIgnoreCase)) ||
                !Fault.AppliesTo(rule.Fault.Kind, embeddings))
            {
                continue;
            }

            if (rule.TryConsume(out var exhausted))
            {
                if (exhausted)
                {
                    Remove(rule);
                }

                fault = rule.Fault;
                return true;
            }
        }

        fault = default;
        return false;
    }

    public IReadOnlyList<FaultRuleView> List()
    {
        var now = time.GetUtcNow();
        var views = new List<FaultRuleView>();
        foreach (var rule in _rules)
        {
            if ((rule.ExpiresAt is null || now < rule.ExpiresAt) && rule.Remaining != 0)
            {
                views.Add(rule.ToView());
            }
        }

        return views;
    }

    public void Clear()
    {
        lock (_lock)
        {
            _rules = [];
        }
    }

    private void Remove(Rule rule)
    {
        lock (_lock)
        {
            _rules = Array.FindAll(_rules, r => !ReferenceEquals(r, rule));
        }
    }

    private sealed class Rule(int id, Fault fault, string? deployment, int count, DateTimeOffset? expiresAt)
    {
        private int _remaining = count;

        public Fault Fault => fault;

        public string? Deployment => deployment;

        public DateTimeOffset? ExpiresAt => expiresAt;

        /// <summary>-1 for unlimited.</summary>
        public int Remaining => Volatile.Read(ref _remaining);

        public bool TryConsume(out bool exhausted)
        {
            while (true)
            {
                var current = Volatile.Read(ref _remaining);
                if (current < 0)
                {
                    exhausted = false;
                    return true;
                }

                if (current == 0)
                {
                    exhausted = true;
                    return false;
                }

                if (Interlocked.CompareExchange(ref _remaining, current - 1, current) == current)
                {
                    exhausted = current == 1;
                    return true;
                }
            }
        }

        public FaultRuleView ToView() => new(
            id, Fault.NameOf(fault.Kind), deployment, Remaining < 0 ? null : Remaining, expiresAt, fault.RetryAfterMs, fault.DelayMs);
    }
}
