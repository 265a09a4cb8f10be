using AspireAoai.Simulator.Configuration;

namespace AspireAoai.Simulator.Streaming;

/// <summary>The simulated model's speed: a wait before the first token and one per token.</summary>
internal sealed class Latency(int firstTokenMs, int perTokenMs, TimeProvider time)
{
    /// <summary>No waiting at all (fixed-answer mode).</summary>
    public static readonly Latency None = new(0, 0, TimeProvider.System);

    /// <summary>The configured latency; none in fixed-answer mode.</summary>
    public static Latency From(SimulatorOptions options, TimeProvider time) => options.FixedAnswer
        ? None
        : new Latency(options.Latency.TimeToFirstTokenMs, options.Latency.PerTokenMs, time);

    public Task FirstTokenAsync(CancellationToken cancellationToken) => DelayAsync(firstTokenMs, cancellationToken);

    public Task TokensAsync(int tokens, CancellationToken cancellationToken) => DelayAsync((long)perTokenMs * tokens, cancellationToken);

    /// <summary>The whole generation time of a non-streamed answer.</summary>
    public Task WholeAnswerAsync(int tokens, CancellationToken cancellationToken) =>
        DelayAsync(firstTokenMs + ((long)perTokenMs * tokens), cancellationToken);

    /// <summary>How long a whole answer of <paramref name="tokens"/> takes (a background response is ready after it).</summary>
    public TimeSpan WholeAnswerTime(int tokens) => TimeSpan.FromMilliseconds(firstTokenMs + ((long)perTokenMs * tokens));

    private Task DelayAsync(long ms, CancellationToken cancellationToken) =>
        ms <= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromMilliseconds(ms), time, cancellationToken);
}
