using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using AspireAoai.Api.Auth;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// The admission that runs before a request body is read or parsed (per replica, no Redis round trip): a client
/// refused in a way that holds for any next request (a full RPM window, a budget period spent outright; see
/// <see cref="AdmissionDecision.RefusesClient"/>) is refused again until that refusal's retry time, and a client at its cap of concurrent requests (<c>Gateway:Clients:{i}:MaxConcurrentRequests</c>, else
/// <c>Gateway:RateLimits:MaxConcurrentRequests</c>) is refused. So a client over its limits, or one that opens hundreds
/// of slow requests, costs the replica a header read, not a body buffer, a parse and a token count each.
/// </summary>
public sealed class ClientGates
{
    private readonly FrozenDictionary<string, ClientGate> _gates;
    private readonly ConcurrentDictionary<string, ClientGate> _others = new(StringComparer.Ordinal);
    private readonly int _defaultMax;
    private readonly TimeProvider _time;

    public ClientGates(IOptions<GatewayAuthOptions> auth, IOptions<RateLimitOptions> limits, TimeProvider time)
    {
        _time = time;
        _defaultMax = limits.Value.MaxConcurrentRequests;
        var map = new Dictionary<string, ClientGate>(StringComparer.Ordinal);
        foreach (var c in auth.Value.Clients)
        {
            if (!string.IsNullOrEmpty(c.Id))
            {
                map[c.Id] = new ClientGate(c.Id, c.MaxConcurrentRequests ?? _defaultMax);
            }
        }

        _gates = map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Test hook: this replica's clock in Unix ms (the rate limiter's <c>ClockOverride</c> moves Redis's).</summary>
    internal Func<long>? ClockOverride { get; set; }

    /// <summary>The gate of a client (every authenticated client has one).</summary>
    public ClientGate For(string clientId)
        => _gates.TryGetValue(clientId, out var gate) ? gate
            : _others.GetOrAdd(clientId, static (id, max) => new ClientGate(id, max), _defaultMax);

    /// <summary>
    /// Takes an in-flight slot of <paramref name="gate"/> and returns null, or returns why the request is refused
    /// (taking no slot). Whoever got null calls <see cref="ClientGate.Exit"/> once the request is done, however it ends.
    /// </summary>
    public EarlyRefusal? Enter(ClientGate gate)
    {
        if (gate.Refusal is { } refusal)
        {
            if (NowMs() < refusal.UntilMs)
            {
                return refusal;
            }

            gate.Forget(refusal);
        }

        return gate.TryEnter() ? null : gate.Busy;
    }

    /// <summary>What is left of a remembered refusal's hold, at least a millisecond; zero for the concurrency cap.</summary>
    public TimeSpan RetryAfter(EarlyRefusal refusal)
        => refusal.UntilMs == 0 ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(Math.Max(1, refusal.UntilMs - NowMs()));

    /// <summary>
    /// Remembers an admission's refusal of the client (<see cref="AdmissionDecision.RefusesClient"/>) until its retry
    /// time, so the client's next requests are refused before their bodies are read.
    /// </summary>
    public void Remember(ClientGate gate, in AdmissionDecision decision, GatewayRequest request)
    {
        if (!decision.RefusesClient || decision.RetryAfter is not { } retry || retry <= TimeSpan.Zero)
        {
            return;
        }

        var until = NowMs() + (long)Math.Ceiling(retry.TotalMilliseconds);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(until).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        // The refusal's own message (it names the limit), then how long this replica holds it.
        var message = $"{decision.Message} Until {at} this client's requests are refused without being read.";
        gate.Remember(new EarlyRefusal(decision.StatusCode, message, decision.Type ?? OpenAiErrors.RateLimit, decision.Code ?? "rate_limit_exceeded", until)
        {
            Pool = request.Pool,
            RequestedModel = request.RequestedModel,
        });
    }

    private long NowMs() => ClockOverride?.Invoke() ?? _time.GetUtcNow().ToUnixTimeMilliseconds();
}
