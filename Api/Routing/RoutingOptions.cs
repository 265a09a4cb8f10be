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
}
