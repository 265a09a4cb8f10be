namespace AspireAoai.Simulator.Http;

/// <summary>Header names the simulator reads and writes.</summary>
internal static class SimHeaders
{
    public const string ApiKey = "api-key";
    public const string RequestId = "x-request-id";
    public const string ApimRequestId = "apim-request-id";
    public const string Region = "x-ms-region";
    public const string RetryAfter = "retry-after";
    public const string RetryAfterMs = "retry-after-ms";
    public const string RemainingRequests = "x-ratelimit-remaining-requests";
    public const string RemainingTokens = "x-ratelimit-remaining-tokens";
    public const string LimitRequests = "x-ratelimit-limit-requests";
    public const string LimitTokens = "x-ratelimit-limit-tokens";

    /// <summary>Per-request fault switch: the fault kind to answer this one request with.</summary>
    public const string Fault = "x-sim-fault";
    public const string FaultRetryAfterMs = "x-sim-retry-after-ms";
    public const string FaultDelayMs = "x-sim-delay-ms";

    public const string Json = "application/json";
    public const string EventStream = "text/event-stream";
}
