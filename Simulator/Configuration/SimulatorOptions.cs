namespace AspireAoai.Simulator.Configuration;

/// <summary>The <c>Simulator</c> configuration section.</summary>
public sealed class SimulatorOptions
{
    public const string SectionName = "Simulator";

    /// <summary>The Azure region this instance pretends to be (e.g. <c>eastus</c>); sent as <c>x-ms-region</c> and logged.</summary>
    public string Region { get; set; } = "local";

    /// <summary>When set, an <c>api-key</c> header must equal it. Bearer tokens are always accepted (managed identity).</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Kestrel's listen backlog. Its own default (512) overflowed when a gateway opened 5,000 upstream connections at once
    /// (the kernel's ListenOverflows counted ~10,000 dropped handshakes, and streams waited seconds on retransmissions): a
    /// stand-in for Azure OpenAI's front end must not be the bottleneck of a benchmark. The kernel caps it at somaxconn.
    /// </summary>
    public int ListenBacklog { get; set; } = 4096;

    /// <summary>Benchmark mode: zero latency and a constant, precomputed chat answer.</summary>
    public bool FixedAnswer { get; set; }

    public LatencyOptions Latency { get; set; } = new();

    /// <summary>How long chat answers are.</summary>
    public AnswerOptions Answer { get; set; } = new();

    /// <summary>The deployments this resource has. Empty means the built-in defaults (see <see cref="DeploymentDefaults"/>).</summary>
    public List<DeploymentOptions> Deployments { get; set; } = [];
}

/// <summary>How long the simulated model takes.</summary>
public sealed class LatencyOptions
{
    /// <summary>Delay before the first token (and before the headers of a non-streamed answer).</summary>
    public int TimeToFirstTokenMs { get; set; } = 50;

    /// <summary>Delay per generated token.</summary>
    public int PerTokenMs { get; set; } = 10;

    /// <summary>
    /// When above 0, the delay between two content chunks of a stream (and per chunk for a non-streamed answer), whatever
    /// their token counts: a realistic stream of N chunks 20 ms apart for load tests. 0 uses <see cref="PerTokenMs"/>.
    /// </summary>
    public int ChunkIntervalMs { get; set; }
}

/// <summary>
/// The length of chat answers. By default a length between <see cref="MinTokens"/> and <see cref="MaxTokens"/> derived from
/// the request, cut by <c>max_tokens</c>; with <see cref="UseMaxTokens"/> a request's <c>max_tokens</c> (or
/// <c>max_completion_tokens</c>) is the length itself, so a test asks for a 200-token stream by sending 200.
/// </summary>
public sealed class AnswerOptions
{
    /// <summary>Shortest default answer, in tokens.</summary>
    public int MinTokens { get; set; } = 16;

    /// <summary>Longest default answer, in tokens.</summary>
    public int MaxTokens { get; set; } = 40;

    /// <summary>A request's <c>max_tokens</c> is its answer's length (finish_reason <c>length</c>, as a model stopped by it).</summary>
    public bool UseMaxTokens { get; set; }

    /// <summary>The largest answer this simulator generates, whatever is asked (bounds its memory per request).</summary>
    public const int Ceiling = 100_000;
}

/// <summary>One deployment of the simulated resource.</summary>
public sealed class DeploymentOptions
{
    public string Name { get; set; } = "";

    /// <summary>The model version reported in responses; defaults from the name.</summary>
    public string? Model { get; set; }

    /// <summary><c>chat</c> or <c>embeddings</c>; defaults from the model name.</summary>
    public string? Kind { get; set; }

    /// <summary>Tokens per minute over a sliding 60 s window.</summary>
    public int Tpm { get; set; } = DeploymentDefaults.Tpm;

    /// <summary>Requests per minute over a sliding 60 s window.</summary>
    public int Rpm { get; set; } = DeploymentDefaults.Rpm;

    /// <summary>
    /// The oldest dated api-version the model accepts (e.g. <c>2024-12-01-preview</c> for o-series models); older ones
    /// get Azure's 400. Null accepts every version; v1 calls (no api-version) are always accepted.
    /// </summary>
    public string? MinApiVersion { get; set; }

    /// <summary>
    /// Reasoning tokens a reasoning model (o-series, gpt-5) spends on every chat answer before it writes: added to
    /// <c>completion_tokens</c> and reported as <c>completion_tokens_details.reasoning_tokens</c>. Default 0.
    /// </summary>
    public int ReasoningTokens { get; set; }
}

/// <summary>Defaults applied when a deployment leaves a value out, or when none is configured at all.</summary>
public static class DeploymentDefaults
{
    public const int Tpm = 100_000;
    public const int Rpm = 600;
    public const string Chat = "chat";
    public const string Embeddings = "embeddings";

    /// <summary>The deployments of a simulator whose configuration names none.</summary>
    public static List<DeploymentOptions> Create() =>
    [
        new() { Name = "gpt-4o", Model = "gpt-4o-2024-11-20", Kind = Chat },
        new() { Name = "gpt-4o-mini", Model = "gpt-4o-mini-2024-07-18", Kind = Chat },
        new() { Name = "text-embedding-3-large", Model = "text-embedding-3-large", Kind = Embeddings },
    ];

    /// <summary>The model a deployment reports when its configuration names none.</summary>
    public static string ModelFor(string deploymentName) => deploymentName.ToLowerInvariant() switch
    {
        "gpt-4o" => "gpt-4o-2024-11-20",
        "gpt-4o-mini" => "gpt-4o-mini-2024-07-18",
        _ => deploymentName,
    };

    /// <summary>The kind of a deployment whose configuration names none.</summary>
    public static string KindFor(string model) =>
        model.Contains("embedding", StringComparison.OrdinalIgnoreCase) ? Embeddings : Chat;
}
