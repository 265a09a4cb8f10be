using System.ComponentModel.DataAnnotations;
using AspireAoai.Accounting.Usage;

namespace AspireAoai.Worker.Hosting;

/// <summary>How the cost aggregator reads the usage stream, bound from <c>Worker</c> and validated at start.</summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Worker";

    [Required(AllowEmptyStrings = false, ErrorMessage = "Worker:StreamKey is required.")]
    public string StreamKey { get; set; } = UsageStream.Key;

    [Required(AllowEmptyStrings = false, ErrorMessage = "Worker:DeadLetterStreamKey is required.")]
    public string DeadLetterStreamKey { get; set; } = UsageStream.DeadLetterKey;

    [Required(AllowEmptyStrings = false, ErrorMessage = "Worker:ConsumerGroup is required.")]
    public string ConsumerGroup { get; set; } = UsageStream.ConsumerGroup;

    /// <summary>This replica's consumer name; default host + pid + random, unique per process start.</summary>
    public string? ConsumerName { get; set; }

    /// <summary>Entries per XREADGROUP / XAUTOCLAIM.</summary>
    [Range(1, 10_000, ErrorMessage = "Worker:BatchSize must be between 1 and 10000.")]
    public int BatchSize { get; set; } = 500;

    /// <summary>Wait before reading again when the stream had nothing new.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:30", ErrorMessage = "Worker:PollInterval must be between 1 ms and 30 s.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>An entry pending this long with its consumer is taken over (the consumer is presumed dead).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00", ErrorMessage = "Worker:ClaimIdleTime must be between 100 ms and 1 day.")]
    public TimeSpan ClaimIdleTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often to look for pending entries to take over.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00", ErrorMessage = "Worker:ClaimInterval must be between 50 ms and 1 hour.")]
    public TimeSpan ClaimInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Aggregate documents written in parallel within one batch.</summary>
    [Range(1, 64, ErrorMessage = "Worker:WriteConcurrency must be between 1 and 64.")]
    public int WriteConcurrency { get; set; } = 8;

    /// <summary>Attempts of one document's read-modify-write when others keep changing it (412 / 409).</summary>
    [Range(1, 1000, ErrorMessage = "Worker:MaxWriteAttempts must be between 1 and 1000.")]
    public int MaxWriteAttempts { get; set; } = 50;

    /// <summary>Aggregate documents remembered with their etag, to skip the read before a write.</summary>
    [Range(0, 1_000_000, ErrorMessage = "Worker:DocumentCacheSize must be between 0 and 1000000.")]
    public int DocumentCacheSize { get; set; } = 10_000;

    /// <summary>How often stream length and pending gauges are sampled.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Worker:MetricsInterval must be between 100 ms and 10 minutes.")]
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait after a failed batch; doubles up to 30 s while failures go on.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "Worker:ErrorBackoff must be between 10 ms and 1 minute.")]
    public TimeSpan ErrorBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Consumers of past replicas with nothing pending and idle this long are removed from the group.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00", ErrorMessage = "Worker:ConsumerCleanupIdleTime must be between 1 minute and 30 days.")]
    public TimeSpan ConsumerCleanupIdleTime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Liveness fails when the consume loop has not gone round for this long (longer than the 30 s maximum
    /// back-off and any sane batch).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:35", "01:00:00", ErrorMessage = "Worker:StallTimeout must be between 35 seconds and 1 hour.")]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Approximate bound of the dead-letter stream.</summary>
    [Range(100, 100_000_000, ErrorMessage = "Worker:DeadLetterMaxLength must be between 100 and 100000000.")]
    public int DeadLetterMaxLength { get; set; } = 100_000;
}
