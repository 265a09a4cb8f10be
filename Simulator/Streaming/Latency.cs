using AspireAoai.Simulator.Configuration;

namespace AspireAoai.Simulator.Streaming;

/// <summary>The simulated model's speed: a wait before the first token and one per token.</summary>
/// <remarks>With a chunk interval, every content chunk waits that long whatever its token count (a paced stream).</remarks>
internal sealed class Latency(int firstTokenMs, int perTokenMs, TimeProvider time, int chunkIntervalMs = 0)
{
    /// <summary>No waiting at all (fixed-answer mode).</summary>
    public static readonly Latency None = new(0, 0, TimeProvider.System);

    /// <summary>The configured latency; none in fixed-answer mode.</summary>
    public static Latency From(SimulatorOptions options, TimeProvider time) => options.FixedAnswer
        ? None
        : new Latency(options.Latency.TimeToFirstTokenMs, options.Latency.PerTokenMs, time, options.Latency.ChunkIntervalMs);

    public Task FirstTokenAsync(CancellationToken cancellationToken) => DelayAsync(firstTokenMs, cancellationToken);

    /// <summary>The wait before one content chunk carrying <paramref name="tokens"/> tokens.</summary>
    public Task TokensAsync(int tokens, CancellationToken cancellationToken) => DelayAsync(PerChunk(tokens, 1), cancellationToken);

    /// <summary>The whole generation time of a non-streamed answer (<paramref name="chunks"/> pieces of <paramref name="tokens"/> in all).</summary>
    public Task WholeAnswerAsync(int tokens, CancellationToken cancellationToken, int chunks = -1) =>
        DelayAsync(firstTokenMs + PerChunk(tokens, chunks < 0 ? tokens : chunks), cancellationToken);

    private long PerChunk(int tokens, int chunks) => chunkIntervalMs > 0 ? (long)chunkIntervalMs * chunks : (long)perTokenMs * tokens;

    /// <summary>How long a whole answer of <paramref name="tokens"/> takes (a background response is ready after it).</summary>
    public TimeSpan WholeAnswerTime(int tokens) => TimeSpan.FromMilliseconds(firstTokenMs + ((long)perTokenMs * tokens));

    private Task DelayAsync(long ms, CancellationToken cancellationToken) =>
        ms <= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromMilliseconds(ms), time, cancellationToken);
}
