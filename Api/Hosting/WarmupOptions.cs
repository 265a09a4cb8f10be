namespace AspireAoai.Api.Hosting;

/// <summary>What the gateway warms before it listens (section <c>Gateway:Warmup</c>).</summary>
public sealed class WarmupOptions
{
    public const string SectionName = "Gateway:Warmup";

    /// <summary>Warm up at start. Off, the first requests pay for the connections and the Redis connection themselves.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Connections opened to each upstream endpoint before the first request (a GET of its root, answer ignored).</summary>
    public int UpstreamConnections { get; set; } = 8;

    /// <summary>Longest the warm-up may hold the start; what is not warm by then warms on the first requests.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
}
