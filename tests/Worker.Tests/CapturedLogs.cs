using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AspireAoai.Worker.Tests;

/// <summary>Keeps every log entry of a host (level, event id, message) so a test can count them.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, int EventId, string Message)> _entries = new();

    public IReadOnlyCollection<(LogLevel Level, int EventId, string Message)> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(_entries);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<(LogLevel, int, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => entries.Enqueue((logLevel, eventId.Id, formatter(state, exception)));
    }
}
