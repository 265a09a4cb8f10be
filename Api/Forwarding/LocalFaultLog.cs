namespace AspireAoai.Api.Forwarding;

/// <summary>Log messages of local faults. Never request text or keys.</summary>
internal static partial class LocalFaultLog
{
    [LoggerMessage(EventId = 2050, Level = LogLevel.Warning,
        Message = "Attempt {Attempt} to {Deployment} for client {ClientId} failed inside this gateway ({Reason}); the deployment is not cooled")]
    public static partial void LocalFailure(ILogger logger, int attempt, string deployment, string clientId, string reason, Exception exception);

    [LoggerMessage(EventId = 2051, Level = LogLevel.Warning,
        Message = "Request of client {ClientId} for {Model} answered 503 after {Attempts} attempts: this gateway ran out of local resources ({Reason})")]
    public static partial void Overloaded(ILogger logger, string clientId, string model, int attempts, string reason);

    [LoggerMessage(EventId = 2052, Level = LogLevel.Warning,
        Message = "Attempt {Attempt} to {Deployment} for client {ClientId} could not connect in time while the deployment answered others (connect_backlog); it is not cooled and may be tried again")]
    public static partial void Unconnected(ILogger logger, int attempt, string deployment, string clientId);
}
