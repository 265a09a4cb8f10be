using System.ComponentModel.DataAnnotations;

namespace AspireAoai.Api.Usage;

/// <summary>How usage events reach the Redis stream (section <c>Gateway:Usage</c>).</summary>
public sealed class UsageOptions
{
    public const string SectionName = "Gateway:Usage";

    /// <summary>Off only for benchmarks of the bare gateway; with it off nothing is accounted.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Events waiting for Redis in this replica. Past it (Redis down for long) new events are counted in the
    /// <c>aoai.usage.events.dropped</c> metric and logged, never allowed to block a response.
    /// </summary>
    [Range(1_000, 10_000_000)]
    public int QueueCapacity { get; set; } = 200_000;

    /// <summary>Events written per pipelined batch.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 256;

    /// <summary>
    /// How long the writer lets a batch fill once an event is waiting (unless a whole batch is already queued): under
    /// moderate traffic one script call then carries many events instead of one per request. It delays the stream
    /// and the running spend, never a response. 0 writes every event as soon as the writer is free.
    /// </summary>
    [Range(0, 1_000)]
    public int LingerMilliseconds { get; set; } = 10;

    /// <summary>
    /// How long a usage script call is remembered (its marker key) so that a batch retried after a lost reply is not
    /// appended twice.
    /// </summary>
    [Range(60, 7 * 24 * 3600)]
    public int DeduplicationSeconds { get; set; } = 24 * 3600;

    /// <summary>
    /// Largest non-streamed JSON answer (by its Content-Length) that is read whole before the response starts, so that
    /// its usage, and so the <c>x-aoai-cost-usd</c> header, is known in time. Upstream sends such answers in one piece,
    /// so this adds no latency; larger answers, or answers of unknown length, stream through without the header.
    /// 0 turns the header off.
    /// </summary>
    [Range(0, 64 * 1024 * 1024)]
    public int CostHeaderMaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Approximate bound of the stream, in entries (<c>XADD MAXLEN ~</c>); an entry holds up to 64 events.</summary>
    [Range(10_000, 100_000_000)]
    public int StreamMaxLength { get; set; } = AspireAoai.Accounting.Usage.UsageStream.DefaultMaxLength;
}
