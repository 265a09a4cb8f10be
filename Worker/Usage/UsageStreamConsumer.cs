using AspireAoai.Accounting.Usage;
using AspireAoai.Worker.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Worker.Usage;

/// <summary>This replica's view of the usage stream's consumer group.</summary>
public sealed class UsageStreamConsumer
{
    private readonly IConnectionMultiplexer _redis;
    private readonly WorkerOptions _options;

    public UsageStreamConsumer(IConnectionMultiplexer redis, IOptions<WorkerOptions> options)
    {
        _redis = redis;
        _options = options.Value;
        ConsumerName = string.IsNullOrWhiteSpace(_options.ConsumerName)
            ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}"
            : _options.ConsumerName;
    }

    /// <summary>Unique per process start, so a restarted replica never inherits a dead one's identity.</summary>
    public string ConsumerName { get; }

    private IDatabase Db => _redis.GetDatabase();

    /// <summary>Creates the group at the start of the stream (and the stream) if missing.</summary>
    public async Task EnsureGroupAsync()
    {
        try
        {
            await Db.StreamCreateConsumerGroupAsync(_options.StreamKey, _options.ConsumerGroup, StreamPosition.Beginning, createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Already there: another replica or an earlier run made it.
        }
    }

    /// <summary>New entries, never delivered to anyone.</summary>
    public Task<StreamEntry[]> ReadNewAsync() =>
        Db.StreamReadGroupAsync(_options.StreamKey, _options.ConsumerGroup, ConsumerName, StreamPosition.NewMessages, _options.BatchSize);

    /// <summary>Entries delivered to this consumer and not acknowledged (after a failed batch).</summary>
    public Task<StreamEntry[]> ReadOwnPendingAsync() =>
        Db.StreamReadGroupAsync(_options.StreamKey, _options.ConsumerGroup, ConsumerName, StreamPosition.Beginning, _options.BatchSize);

    /// <summary>Takes over entries pending longer than the claim idle time with any consumer.</summary>
    public Task<StreamAutoClaimResult> ClaimIdleAsync(RedisValue startAt) =>
        Db.StreamAutoClaimAsync(_options.StreamKey, _options.ConsumerGroup, ConsumerName,
            (long)_options.ClaimIdleTime.TotalMilliseconds, startAt, _options.BatchSize);

    public Task<long> AcknowledgeAsync(RedisValue[] ids) =>
        Db.StreamAcknowledgeAsync(_options.StreamKey, _options.ConsumerGroup, ids);

    /// <summary>Copies a malformed entry, with the reason and its id, to the dead-letter stream.</summary>
    public Task DeadLetterAsync(StreamEntry entry, string reason)
    {
        var values = entry.Values ?? [];
        var fields = new NameValueEntry[values.Length + 2];
        Array.Copy(values, fields, values.Length);
        fields[^2] = new NameValueEntry(UsageFields.DeadLetterReason, reason);
        fields[^1] = new NameValueEntry(UsageFields.DeadLetterSourceId, entry.Id);
        return Db.StreamAddAsync(_options.DeadLetterStreamKey, fields, maxLength: _options.DeadLetterMaxLength, useApproximateMaxLength: true);
    }

    /// <summary>
    /// An id below which every entry is acknowledged. Read the group's last-delivered id first, then the
    /// lowest pending id: every id up to the former had been delivered, and a delivered entry stays in the
    /// pending list until acknowledged, so what is not pending at the second read below both is acknowledged.
    /// (In the other order an entry delivered in between could be counted as acknowledged.)
    /// </summary>
    public async Task<GroupState> ReadGroupStateAsync()
    {
        var groups = await Db.StreamGroupInfoAsync(_options.StreamKey).ConfigureAwait(false);
        var lastDelivered = StreamId.Zero;
        foreach (var g in groups)
        {
            if (g.Name == _options.ConsumerGroup && StreamId.TryParse(g.LastDeliveredId, out var ld)) lastDelivered = ld;
        }

        var pending = await Db.StreamPendingAsync(_options.StreamKey, _options.ConsumerGroup).ConfigureAwait(false);
        var horizon = lastDelivered.Next;
        StreamId? lowestPending = null;
        if (pending.PendingMessageCount > 0 && StreamId.TryParse(pending.LowestPendingMessageId, out var low))
        {
            lowestPending = low;
            horizon = StreamId.Min(horizon, low);
        }

        return new GroupState(horizon, pending.PendingMessageCount, lowestPending);
    }

    public Task<long> LengthAsync() => Db.StreamLengthAsync(_options.StreamKey);

    /// <summary>Removes consumers of past replicas that hold nothing and have been idle long. Returns how many.</summary>
    public async Task<int> RemoveIdleConsumersAsync()
    {
        var removed = 0;
        var consumers = await Db.StreamConsumerInfoAsync(_options.StreamKey, _options.ConsumerGroup).ConfigureAwait(false);
        foreach (var c in consumers)
        {
            if (c.Name != ConsumerName && c.PendingMessageCount == 0
                && c.IdleTimeInMilliseconds > _options.ConsumerCleanupIdleTime.TotalMilliseconds)
            {
                await Db.StreamDeleteConsumerAsync(_options.StreamKey, _options.ConsumerGroup, c.Name).ConfigureAwait(false);
                removed++;
            }
        }

        return removed;
    }
}
