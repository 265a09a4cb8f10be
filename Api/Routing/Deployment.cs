using System.Collections.Concurrent;
using AspireAoai.Api.Parsing;

namespace AspireAoai.Api.Routing;

/// <summary>
/// An upstream deployment at run time: where it is, how to authenticate, and whether it is cooling down.
/// Health is a single timestamp updated lock-free, so reading it on every routing decision costs nothing.
/// </summary>
public sealed class Deployment
{
    private const int MaxCachedApiVersions = 16;

    private readonly string _chatPrefix;
    private readonly string _embeddingsPrefix;
    private readonly string _defaultApiVersion;
    private readonly Uri _chatDefault;
    private readonly Uri _embeddingsDefault;
    private readonly ConcurrentDictionary<string, Uri> _otherChatVersions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Uri> _otherEmbeddingsVersions = new(StringComparer.Ordinal);

    private long _coolingUntilTicks;
    private long _probeUntilTicks;
    private long _attempts;
    private long _failures;
    private long _cooldowns;
    private int _lastStatus;
    private string? _lastFailure;
    private long _lastFailureTicks;
    private long _lastAnswerTicks;

    internal Deployment(DeploymentOptions options, IUpstreamAuthenticator auth, string defaultApiVersion, string? httpVersion = null)
    {
        Name = options.Name;
        Model = options.Model;
        AzureDeployment = options.Deployment;
        Region = options.Region ?? "";
        Priority = options.Priority;
        Weight = options.Weight;
        CapacityTpm = options.CapacityTpm;
        CapacityRpm = options.CapacityRpm;
        Auth = auth;
        var endpoint = options.Endpoint.EndsWith('/') ? options.Endpoint : options.Endpoint + "/";
        Endpoint = new Uri(endpoint, UriKind.Absolute);
        ServerAddress = Endpoint.Host;
        ServerPort = Endpoint.Port;
        Protocol = UpstreamProtocol.For(httpVersion, Endpoint);
        var escaped = Uri.EscapeDataString(AzureDeployment);
        _chatPrefix = $"{endpoint}openai/deployments/{escaped}/chat/completions?api-version=";
        _embeddingsPrefix = $"{endpoint}openai/deployments/{escaped}/embeddings?api-version=";
        UsesV1Api = options.UseV1Api;
        _defaultApiVersion = options.ApiVersion ?? defaultApiVersion;
        ApiVersion = UsesV1Api ? null : _defaultApiVersion;
        _chatDefault = new Uri(UsesV1Api ? $"{endpoint}openai/v1/chat/completions" : _chatPrefix + _defaultApiVersion);
        _embeddingsDefault = new Uri(UsesV1Api ? $"{endpoint}openai/v1/embeddings" : _embeddingsPrefix + _defaultApiVersion);
        _deploymentJson = System.Text.Json.JsonEncodedText.Encode(AzureDeployment);
        // Azure's v1 Responses path: no api-version, the body's model names the deployment (Forwarding/V1ModelBody).
        ResponsesBase = endpoint + "openai/v1/responses";
        _responses = new Uri(ResponsesBase);
        _chatSpanName = "chat " + Model;
        _embeddingsSpanName = "embeddings " + Model;
        NameHeader = new Microsoft.Extensions.Primitives.StringValues(Name);
    }

    private readonly System.Text.Json.JsonEncodedText _deploymentJson;
    private readonly Uri _responses;

    /// <summary><c>{endpoint}openai/v1/responses</c>: the Responses API of this deployment's resource.</summary>
    internal string ResponsesBase { get; }

    /// <summary>True when this deployment is called on the <c>/openai/v1/</c> surface, where the body's <c>model</c> names it.</summary>
    public bool UsesV1Api { get; }

    /// <summary>The api-version sent when the client names none; null on the v1 surface.</summary>
    public string? ApiVersion { get; }

    /// <summary>The deployment name as a JSON string value, for the v1 surface's <c>model</c>.</summary>
    internal System.Text.Json.JsonEncodedText DeploymentJson => _deploymentJson;

    private readonly string _chatSpanName;
    private readonly string _embeddingsSpanName;

    /// <summary>Span name by the GenAI conventions: <c>{operation} {model}</c>.</summary>
    public string SpanName(OperationKind operation) => operation == OperationKind.Embeddings ? _embeddingsSpanName : _chatSpanName;

    /// <summary><see cref="Name"/> as a header value, allocated once.</summary>
    internal Microsoft.Extensions.Primitives.StringValues NameHeader { get; }

    /// <summary>Unique id in the gateway, e.g. <c>eastus-gpt-4o</c>.</summary>
    public string Name { get; }

    /// <summary>Logical model this deployment serves.</summary>
    public string Model { get; }

    /// <summary>Deployment name at the Azure OpenAI resource.</summary>
    public string AzureDeployment { get; }

    public string Region { get; }

    public int Priority { get; }

    public int Weight { get; }

    public int? CapacityTpm { get; }

    public int? CapacityRpm { get; }

    public Uri Endpoint { get; }

    /// <summary>Host for <c>server.address</c>.</summary>
    public string ServerAddress { get; }

    public int ServerPort { get; }

    public IUpstreamAuthenticator Auth { get; }

    /// <summary>The HTTP version and policy of every call to this deployment.</summary>
    internal UpstreamProtocol Protocol { get; }

    /// <summary>Index in its pool; set by the pool.</summary>
    internal int PoolIndex { get; set; }

    /// <summary>Upstream URL for an operation; the client's api-version when it sent one.</summary>
    public Uri GetUri(OperationKind operation, string? apiVersion)
    {
        if (operation == OperationKind.Responses)
        {
            return _responses;
        }

        if (UsesV1Api || apiVersion is null || apiVersion == _defaultApiVersion)
        {
            return operation == OperationKind.Embeddings ? _embeddingsDefault : _chatDefault;
        }

        var cache = operation == OperationKind.Embeddings ? _otherEmbeddingsVersions : _otherChatVersions;
        if (cache.TryGetValue(apiVersion, out var cached))
        {
            return cached;
        }

        var uri = new Uri((operation == OperationKind.Embeddings ? _embeddingsPrefix : _chatPrefix) + apiVersion);
        // Clients use one or two versions; the bound only guards against a client cycling through many.
        if (cache.Count < MaxCachedApiVersions)
        {
            cache.TryAdd(apiVersion, uri);
        }

        return uri;
    }

    /// <summary>True while a cool-down is in force at <paramref name="now"/>.</summary>
    public bool IsCooling(DateTimeOffset now) => Volatile.Read(ref _coolingUntilTicks) > now.UtcTicks;

    /// <summary>End of the cool-down in force at <paramref name="now"/>, if any.</summary>
    public DateTimeOffset? CoolingUntil(DateTimeOffset now)
    {
        var ticks = Volatile.Read(ref _coolingUntilTicks);
        return ticks > now.UtcTicks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    }

    /// <summary>
    /// Starts (or lengthens) a cool-down until <paramref name="until"/>. A shorter cool-down never shortens a
    /// longer one: two requests failing at once must not let the deployment back early.
    /// </summary>
    internal bool CoolDown(DateTimeOffset until)
    {
        var target = until.UtcTicks;
        var current = Volatile.Read(ref _coolingUntilTicks);
        while (target > current)
        {
            var seen = Interlocked.CompareExchange(ref _coolingUntilTicks, target, current);
            if (seen == current)
            {
                Interlocked.Increment(ref _cooldowns);
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Ends any cool-down now (admin action).</summary>
    internal void ResetCooldown()
    {
        Volatile.Write(ref _coolingUntilTicks, 0);
        Volatile.Write(ref _probeUntilTicks, 0);
    }

    /// <summary>
    /// True while a request is probing this deployment: its cool-down has ended, nothing has answered from it since,
    /// and one request is already trying it. Others go elsewhere meanwhile: if it still hangs, one request waits for
    /// its attempt timeout instead of every request that arrives within that time.
    /// </summary>
    internal bool IsProbing(DateTimeOffset now)
    {
        var cooling = Volatile.Read(ref _coolingUntilTicks);
        return cooling != 0 && cooling <= now.UtcTicks && Volatile.Read(ref _probeUntilTicks) > now.UtcTicks;
    }

    /// <summary>
    /// Admits a request to a deployment whose cool-down has ended but which has not answered since: only one at a time
    /// (the probe), held for at most <paramref name="bound"/> (its attempt timeout, so a probe that ends without a word
    /// cannot shut the deployment out). Always true for a deployment that has answered since its last cool-down.
    /// </summary>
    internal bool TryStartProbe(DateTimeOffset now, TimeSpan bound)
    {
        var cooling = Volatile.Read(ref _coolingUntilTicks);
        if (cooling == 0 || cooling > now.UtcTicks)
        {
            return true;
        }

        var probe = Volatile.Read(ref _probeUntilTicks);
        return probe <= now.UtcTicks && Interlocked.CompareExchange(ref _probeUntilTicks, (now + bound).UtcTicks, probe) == probe;
    }

    /// <summary>
    /// The deployment answered: a cool-down that has ended is over for good and every request may use it again. A
    /// cool-down still running (another request failed meanwhile) stays. The time is kept for <see cref="AnsweredSince"/>.
    /// </summary>
    internal void RecordAnswer(DateTimeOffset now)
    {
        // At most one write a millisecond: every answer of every request lands here.
        if (now.UtcTicks - Volatile.Read(ref _lastAnswerTicks) >= TimeSpan.TicksPerMillisecond)
        {
            Volatile.Write(ref _lastAnswerTicks, now.UtcTicks);
        }

        var cooling = Volatile.Read(ref _coolingUntilTicks);
        if (cooling != 0 && cooling <= now.UtcTicks)
        {
            Interlocked.CompareExchange(ref _coolingUntilTicks, 0, cooling);
            Volatile.Write(ref _probeUntilTicks, 0);
        }
    }

    /// <summary>True when the deployment answered some request at or after <paramref name="since"/> (to the millisecond).</summary>
    internal bool AnsweredSince(DateTimeOffset since) => Volatile.Read(ref _lastAnswerTicks) >= since.UtcTicks - TimeSpan.TicksPerMillisecond;

    internal void RecordAttempt() => Interlocked.Increment(ref _attempts);

    internal void RecordStatus(int status) => Volatile.Write(ref _lastStatus, status);

    /// <summary>Non-streamed timeouts seen on this deployment, by client, until it answers again.</summary>
    internal TimeoutWitnesses Timeouts { get; } = new();

    internal void RecordFailure(string reason, int status, DateTimeOffset at)
    {
        // A failed probe frees the slot: the cool-down it starts (if any) keeps requests away, and when that ends the
        // next request probes again.
        Volatile.Write(ref _probeUntilTicks, 0);
        Interlocked.Increment(ref _failures);
        Volatile.Write(ref _lastStatus, status);
        Volatile.Write(ref _lastFailure, reason);
        Volatile.Write(ref _lastFailureTicks, at.UtcTicks);
    }

    internal DeploymentSnapshot Snapshot(DateTimeOffset now)
    {
        var until = CoolingUntil(now);
        var lastFailureTicks = Volatile.Read(ref _lastFailureTicks);
        return new DeploymentSnapshot(
            Name, Model, AzureDeployment, Region, Endpoint.GetLeftPart(UriPartial.Authority), Priority, Weight,
            Auth.Kind, until is null ? "healthy" : "cooling", until,
            until is null ? 0 : (long)Math.Ceiling((until.Value - now).TotalMilliseconds),
            Interlocked.Read(ref _attempts), Interlocked.Read(ref _failures), Interlocked.Read(ref _cooldowns),
            Volatile.Read(ref _lastStatus) is var s and > 0 ? s : null, Volatile.Read(ref _lastFailure),
            lastFailureTicks == 0 ? null : new DateTimeOffset(lastFailureTicks, TimeSpan.Zero),
            CapacityTpm, CapacityRpm);
    }
}
