using System.Collections.Concurrent;
using AspireAoai.Simulator.Deployments;

namespace AspireAoai.Simulator.Capacity;

/// <summary>Per-deployment TPM/RPM limits over a sliding 60 s window, as Azure enforces a deployment's quota.</summary>
public interface ICapacityLimiter
{
    /// <summary>Admits a request costing <paramref name="tokens"/> or says how long to wait.</summary>
    CapacityDecision TryAcquire(Deployment deployment, int tokens);

    /// <summary>Empties every window.</summary>
    void Reset();
}

internal sealed class CapacityLimiter(TimeProvider time) : ICapacityLimiter
{
    private readonly ConcurrentDictionary<string, SlidingWindow> _windows = new(StringComparer.OrdinalIgnoreCase);

    public CapacityDecision TryAcquire(Deployment deployment, int tokens)
    {
        if (!_windows.TryGetValue(deployment.Name, out var window))
        {
            window = _windows.GetOrAdd(deployment.Name, static (_, d) => new SlidingWindow(d.Rpm, d.Tpm), deployment);
        }

        return window.TryAcquire(time.GetUtcNow(), tokens);
    }

    public void Reset()
    {
        foreach (var window in _windows.Values)
        {
            window.Clear();
        }
    }
}
