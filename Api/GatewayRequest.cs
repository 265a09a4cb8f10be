using AspireAoai.Api.Auth;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.Routing;

namespace AspireAoai.Api;

/// <summary>
/// One client request as the gateway's steps see it, after authentication and parsing. Later steps (admission,
/// cache, usage) read it; the body is the client's bytes, unchanged.
/// </summary>
public sealed class GatewayRequest
{
    internal GatewayRequest(HttpContext http, ClientContext client, OperationKind operation, ApiStyle style,
        string requestedModel, DeploymentPool pool, ReadOnlyMemory<byte> body, in ParsedRequest parsed, string? apiVersion, long startTimestamp)
    {
        Http = http;
        Client = client;
        Operation = operation;
        Style = style;
        RequestedModel = requestedModel;
        Pool = pool;
        Body = body;
        Parsed = parsed;
        ApiVersion = apiVersion;
        StartTimestamp = startTimestamp;
    }

    public HttpContext Http { get; }

    /// <summary>The authenticated client.</summary>
    public ClientContext Client { get; }

    public OperationKind Operation { get; }

    public ApiStyle Style { get; }

    /// <summary>The model or deployment name the client asked for.</summary>
    public string RequestedModel { get; }

    /// <summary>The pool serving it.</summary>
    public DeploymentPool Pool { get; }

    /// <summary>The request body exactly as received; valid until the response completes.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The fields the gateway reads from the body.</summary>
    public ParsedRequest Parsed { get; }

    /// <summary>The client's api-version (Azure style), or null.</summary>
    public string? ApiVersion { get; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the request arrived.</summary>
    public long StartTimestamp { get; }

    // Per-request state of the later steps. Fields here rather than HttpContext features: a feature the server does
    // not know is a linear search on every lookup, and a miss searches the connection's features too. Each step records
    // its outcome here; RequestCompletion reads them once, when the handler is done.
    private int _reported;

    /// <summary>The admission's rate-limit charge, when the request was admitted against limits.</summary>
    internal RateLimiting.RequestCharge? Charge { get; set; }

    /// <summary>Set when the response cache answered the request.</summary>
    internal Caching.CacheHit? CacheHit { get; set; }

    /// <summary>Responses: the one deployment this create may use (it continues a response stored there), or null to route freely.</summary>
    internal Deployment? PinnedDeployment { get; set; }

    /// <summary>Responses: where the id of the stored response this create makes is recorded, or null (not stored, not a create).</summary>
    internal Responses.ResponseOwners? ResponseOwners { get; set; }

    /// <summary>Caching: the request the cache plans to store the answer of (a MISS), with <see cref="CacheCapture"/>.</summary>
    internal Caching.CacheRequest? CachePlan { get; set; }

    /// <summary>Caching: the copy of the answer being relayed, handed to the cache writer by the completion.</summary>
    internal Caching.ResponseCapture? CacheCapture { get; set; }

    /// <summary>The status the client got (499 when it went away), 0 while no step has recorded one.</summary>
    internal int Status { get; set; }

    /// <summary>True when the request reached the forwarder (its time to first byte is then the upstream's, or none).</summary>
    internal bool Forwarded { get; set; }

    /// <summary>True when the answer broke after it started (an unexpected failure the server aborts): nothing of it is stored.</summary>
    internal bool Broken { get; set; }

    /// <summary>The deployment whose answer was relayed; null when none was.</summary>
    internal Deployment? Deployment { get; set; }

    /// <summary>Upstream attempts made.</summary>
    internal int Attempts { get; set; }

    /// <summary>From arrival to the first body byte relayed from upstream; null when none was.</summary>
    internal TimeSpan? TimeToFirstByte { get; set; }

    /// <summary>When the cost header was computed: the usage event is priced at the same moment.</summary>
    internal DateTimeOffset? PricedAt { get; set; }

    /// <summary>The tokens the upstream's answer reported (or the gateway estimated, <see cref="ObservedUsage.Estimated"/>).</summary>
    internal ObservedUsage Usage { get; set; }

    /// <summary>True the first time it is called for this request, false afterwards: usage is reported once.</summary>
    internal bool TryMarkReported() => Interlocked.Exchange(ref _reported, 1) == 0;
}
