namespace AspireAoai.Api.Forwarding;

/// <summary>Forwarding log messages. Never the request or response text, never keys.</summary>
internal static partial class ForwardingLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
        Message = "Deployment {Deployment} failed attempt {Attempt} for client {ClientId} ({Reason}); cooling down for {CooldownMs} ms")]
    public static partial void AttemptFailed(ILogger logger, string deployment, int attempt, string clientId, string reason, long cooldownMs);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information,
        Message = "Failing over request of client {ClientId} from {From} to {To}")]
    public static partial void FailingOver(ILogger logger, string clientId, string from, string to);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning,
        Message = "No deployment of {Model} can take the request of client {ClientId} after {Attempts} attempts; every deployment cooling: {AllCooling}, earliest recovery in {RetryAfterMs} ms")]
    public static partial void Exhausted(ILogger logger, string model, string clientId, int attempts, bool allCooling, long retryAfterMs);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning,
        Message = "Upstream {Deployment} broke off a response to client {ClientId} after it started; the client connection is aborted")]
    public static partial void BrokenMidResponse(ILogger logger, string deployment, string clientId, Exception exception);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug,
        Message = "Client {ClientId} went away during a request to {Deployment}")]
    public static partial void ClientGone(ILogger logger, string clientId, string deployment);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning,
        Message = "Content filter on {Deployment} for client {ClientId}: {Source} {Category} severity {Severity}, filtered {Filtered}")]
    public static partial void ContentFiltered(ILogger logger, string deployment, string clientId, string source, string category, string severity, bool filtered);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error,
        Message = "Could not authenticate to {Deployment}; cooling it down for {CooldownMs} ms")]
    public static partial void CredentialFailed(ILogger logger, string deployment, long cooldownMs, Exception exception);
}
