namespace AspireAoai.Api.Routing;

/// <summary>Retry budget, cool-downs and attempt timeouts (section <c>Gateway:Routing</c>).</summary>
public sealed class RoutingOptions
{
    public const string SectionName = "Gateway:Routing";

    /// <summary>Upstream attempts one client request may make, the first included.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Time a request may spend on attempts before its response starts (failovers included).</summary>
    public TimeSpan MaxTotalTime { get; set; } = TimeSpan.FromSeconds(150);

    /// <summary>
    /// Time one non-streaming attempt may take to produce its first response byte. Non-streaming completions
    /// answer only when the whole completion is generated, so this is long.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Time one streaming attempt may take to produce its first response byte.</summary>
    public TimeSpan StreamingAttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Cool-down when the upstream gives no retry-after (5xx, timeouts, connection failures).</summary>
    public TimeSpan DefaultCooldown { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound on any cool-down, so a broken header cannot take a deployment out for hours.</summary>
    public TimeSpan MaxCooldown { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Distinct clients whose non-streamed requests must time out on a deployment (within <see cref="TimeoutWindow"/>,
    /// with no answer from it in between) before the timeouts cool it down. A non-streamed timeout depends on the
    /// request's size, so one client's long requests alone never cool a deployment for the others. A streaming
    /// request's timeout (no first byte: generation had not even started) cools it at once.
    /// </summary>
    public int TimeoutCooldownClients { get; set; } = 2;

    /// <summary>How long a non-streamed timeout counts towards <see cref="TimeoutCooldownClients"/>.</summary>
    public TimeSpan TimeoutWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The slowest generation speed, in output tokens per second, a non-streamed request is sized for: a chat request
    /// without <c>stream</c> whose <c>max_tokens</c> (or <c>max_completion_tokens</c>) exceeds
    /// <see cref="AttemptTimeout"/> times this rate could not finish within one attempt and is answered 400, naming
    /// the largest value that fits. 0 turns the check off.
    /// </summary>
    public int NonStreamingTokensPerSecond { get; set; } = 50;

    /// <summary>The largest <c>max_tokens</c> a non-streamed chat request may ask for; null when unchecked.</summary>
    internal long? MaxNonStreamingTokens => NonStreamingTokensPerSecond > 0
        ? (long)(AttemptTimeout.TotalSeconds * NonStreamingTokensPerSecond)
        : null;
}
