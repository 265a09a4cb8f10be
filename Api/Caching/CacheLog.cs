namespace AspireAoai.Api.Caching;

/// <summary>The cache's log messages (event ids 5001-5099). Keys and ids only: never prompt or answer text.</summary>
internal static partial class CacheLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "The response cache is enabled but ConnectionStrings:cosmos is not set: the cache is off")]
    public static partial void NoConnectionString(ILogger logger);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "The response cache is off (Gateway:Cache:Enabled is false)")]
    public static partial void Disabled(ILogger logger);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Cache lookup for client {ClientId} failed ({ErrorType}); answering upstream")]
    public static partial void LookupFailed(ILogger logger, string clientId, string errorType, Exception? exception);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "The cache store failed {Threshold} times in a row; skipping the cache for {BreakSeconds} s")]
    public static partial void CircuitOpened(ILogger logger, int threshold, double breakSeconds);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Debug, Message = "Cache write for client {ClientId} failed ({ErrorType})")]
    public static partial void WriteFailed(ILogger logger, string clientId, string errorType, Exception? exception);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Debug, Message = "Not storing the answer for client {ClientId}: {Reason}")]
    public static partial void NotStored(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Debug, Message = "The cache write queue is full; dropped a write (capacity {Capacity})")]
    public static partial void QueueFull(ILogger logger, int capacity);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Debug, Message = "Cache {Result} for client {ClientId}, entry {EntryId}")]
    public static partial void LookupResult(ILogger logger, string result, string clientId, string entryId);
}
