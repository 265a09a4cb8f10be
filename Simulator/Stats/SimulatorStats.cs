using System.Collections.Concurrent;
using AspireAoai.Simulator.Faults;

namespace AspireAoai.Simulator.Stats;

/// <summary>
/// Counts what each deployment was asked and how it answered, so failover tests can prove that no request
/// reached a cooling deployment (<c>GET /sim/stats</c>).
/// </summary>
public sealed class SimulatorStats
{
    private const int TooManyRequests = 429;

    private readonly ConcurrentDictionary<string, DeploymentCounters> _deployments = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A request addressed to a known deployment arrived (counted before faults and limits).</summary>
    public void RecordRequest(string deployment) => Interlocked.Increment(ref For(deployment).Requests);

    public void RecordFault(string deployment, FaultKind kind) => Interlocked.Increment(ref For(deployment).Faults[(int)kind]);

    /// <summary>The capacity limiter refused the request.</summary>
    /// <summary>The api-version a request named (<c>v1</c> for the v1 routes), counted per deployment.</summary>
    public void RecordApiVersion(string deployment, string apiVersion) =>
        For(deployment).ApiVersions.AddOrUpdate(apiVersion, 1, static (_, n) => n + 1);

    public void RecordThrottled(string deployment) => Interlocked.Increment(ref For(deployment).Throttled);

    /// <summary>
    /// Tokens the deployment produced for an answer: its prompt once the answer starts, and the completion tokens of
    /// what it sent (a stream counts each chunk once written, so a stream cut short counts what went out).
    /// </summary>
    public void RecordTokens(string deployment, int promptTokens, int completionTokens)
    {
        var counters = For(deployment);
        Interlocked.Add(ref counters.PromptTokens, promptTokens);
        Interlocked.Add(ref counters.CompletionTokens, completionTokens);
    }

    public void RecordStatus(string deployment, int statusCode) =>
        For(deployment).StatusCodes.AddOrUpdate(statusCode, 1, static (_, n) => n + 1);

    public void Reset() => _deployments.Clear();

    public StatsSnapshot Snapshot()
    {
        var deployments = new SortedDictionary<string, DeploymentStats>(StringComparer.Ordinal);
        long total = 0;
        foreach (var (name, counters) in _deployments)
        {
            var faults = new SortedDictionary<string, long>(StringComparer.Ordinal);
            for (var i = 0; i < counters.Faults.Length; i++)
            {
                var n = Interlocked.Read(ref counters.Faults[i]);
                if (n > 0)
                {
                    faults[Fault.NameOf((FaultKind)i)] = n;
                }
            }

            var statusCodes = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var (code, n) in counters.StatusCodes)
            {
                statusCodes[code.ToString(System.Globalization.CultureInfo.InvariantCulture)] = n;
            }

            var requests = Interlocked.Read(ref counters.Requests);
            total += requests;
            deployments[name] = new DeploymentStats(
                requests,
                Interlocked.Read(ref counters.Throttled),
                counters.StatusCodes.TryGetValue(TooManyRequests, out var all429) ? all429 : 0,
                faults,
                statusCodes,
                Interlocked.Read(ref counters.PromptTokens),
                Interlocked.Read(ref counters.CompletionTokens))
            {
                ApiVersions = new SortedDictionary<string, long>(counters.ApiVersions, StringComparer.Ordinal),
            };
        }

        return new StatsSnapshot(total, deployments);
    }

    private DeploymentCounters For(string deployment)
    {
        if (!_deployments.TryGetValue(deployment, out var counters))
        {
            counters = _deployments.GetOrAdd(deployment, static _ => new DeploymentCounters());
        }

        return counters;
    }

    private sealed class DeploymentCounters
    {
        public readonly long[] Faults = new long[Fault.Names.Length];
        public readonly ConcurrentDictionary<int, long> StatusCodes = new();
        public readonly ConcurrentDictionary<string, long> ApiVersions = new(StringComparer.Ordinal);
        public long Requests;
        public long Throttled;
        public long PromptTokens;
        public long CompletionTokens;
    }
}

/// <summary>The body of <c>GET /sim/stats</c>.</summary>
public sealed record StatsSnapshot(long TotalRequests, IReadOnlyDictionary<string, DeploymentStats> Deployments);

/// <summary>One deployment's counts.</summary>
/// <param name="Requests">Requests that named this deployment, whatever the answer (faults and 429s included).</param>
/// <param name="Throttled">429s from the TPM/RPM limits.</param>
/// <param name="RateLimited">All 429s: the limits' and injected ones.</param>
/// <param name="Faults">Injected faults by kind.</param>
/// <param name="StatusCodes">Answers by HTTP status (a timed-out request has none).</param>
/// <param name="PromptTokens">Prompt tokens of the chat answers started (what Azure bills for the prompt).</param>
/// <param name="CompletionTokens">Completion tokens sent: whole answers, and of a stream the chunks written before it ended.</param>
public sealed record DeploymentStats(
    long Requests,
    long Throttled,
    long RateLimited,
    IReadOnlyDictionary<string, long> Faults,
    IReadOnlyDictionary<string, long> StatusCodes,
    long PromptTokens,
    long CompletionTokens)
{
    /// <summary>Requests by the api-version they named (<c>v1</c> for the v1 routes).</summary>
    public IReadOnlyDictionary<string, long> ApiVersions { get; init; } = new Dictionary<string, long>();
}
