using System.Diagnostics.Metrics;
using System.Threading.Channels;
using AspireAoai.Accounting.Usage;
using AspireAoai.Api.Budgets;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Api.Usage;

/// <summary>
/// Turns each finished request into a <see cref="UsageEvent"/> and queues it; <see cref="UsageStreamWriter"/>
/// writes the queue to Redis in pipelined batches. Reporting never waits for Redis, so a response is
/// never delayed by accounting, and an event queued after the upstream answered is written even if the client
/// has gone.
/// </summary>
public sealed partial class RedisUsageReporter : IUsageReporter
{
    private readonly Channel<PendingUsage> _queue;
    private readonly UsagePricer _pricer;
    private readonly BudgetCatalog? _budgets;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _duplicates;
    private readonly ILogger<RedisUsageReporter> _logger;

    public RedisUsageReporter(IOptions<UsageOptions> options, UsagePricer pricer, IMeterFactory meters, ILogger<RedisUsageReporter> logger,
        BudgetCatalog? budgets = null)
    {
        _budgets = budgets;
        _queue = Channel.CreateBounded<PendingUsage>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
            SingleWriter = false,
        });
        _pricer = pricer;
        _logger = logger;
        var meter = meters.Create(UsageTelemetry.MeterName);
        _dropped = meter.CreateCounter<long>("aoai.usage.events.dropped", "{event}",
            "Usage events this replica could not queue because Redis was unavailable for too long.");
        _duplicates = meter.CreateCounter<long>("aoai.usage.events.duplicate", "{event}",
            "Second usage reports of one request, dropped (should stay 0).");
        meter.CreateObservableGauge("aoai.usage.events.queued", () => (long)_queue.Reader.Count, "{event}",
            "Usage events waiting to be written to the usage stream.");
    }

    internal ChannelReader<PendingUsage> Reader => _queue.Reader;

    internal void Complete() => _queue.Writer.TryComplete();

    public void Report(GatewayRequest request, UsageRecord usage)
    {
        // Every path reports once by construction; this is the backstop, so a second report of one request (a bug)
        // is counted and dropped here instead of relying on the stream script's deduplication.
        if (!request.TryMarkReported())
        {
            _duplicates.Add(1);
            LogDuplicate(_logger, usage.RequestId);
            return;
        }

        // The request's budget reservation is released by the same script call that adds its real cost to the spend
        // counters, so the budget never sees the money twice nor not at all.
        var reservation = request.Charge?.TakeReservation();
        var pending = ToPending(usage, reservation);
        if (!_queue.Writer.TryWrite(pending))
        {
            // The reservation stays held until it expires (Gateway:Budgets:ReservationTimeout): safe for the budget.
            _dropped.Add(1);
            LogDropped(_logger, usage.RequestId, usage.ClientId);
        }
    }

    /// <summary>Queues one event; also used for requests that ended before a <see cref="GatewayRequest"/> existed.</summary>
    public void Report(UsageRecord usage)
    {
        var pending = ToPending(usage);
        if (!_queue.Writer.TryWrite(pending))
        {
            _dropped.Add(1);
            LogDropped(_logger, usage.RequestId, usage.ClientId);
        }
    }

    /// <summary>The event and its cost, priced by <see cref="UsagePricer"/> (the same price the client's cost header showed).</summary>
    internal PendingUsage ToPending(UsageRecord usage, Reservation? reservation = null)
    {
        var priced = _pricer.Price(usage);
        var usageEvent = new UsageEvent(
            usage.RequestId,
            usage.Timestamp,
            usage.ClientId,
            usage.Model,
            priced.PricedModel,
            usage.Deployment ?? "",
            usage.Region ?? "",
            usage.InputTokens,
            usage.CachedInputTokens,
            usage.OutputTokens,
            usage.CacheHit,
            usage.SavedInputTokens,
            usage.SavedOutputTokens,
            usage.Status,
            (long)usage.LatencyMs,
            (long)(usage.TimeToFirstByteMs ?? 0),
            usage.Stream)
        {
            Estimated = usage.Estimated,
            // Parts of the counts they belong to, whatever a usage source sent: the Worker refuses an event where they are not.
            ReasoningTokens = Math.Clamp(usage.ReasoningTokens, 0, usage.OutputTokens),
            AudioInputTokens = Math.Clamp(usage.AudioInputTokens, 0, Math.Max(0, usage.InputTokens - usage.CachedInputTokens)),
            AudioOutputTokens = Math.Clamp(usage.AudioOutputTokens, 0, usage.OutputTokens),
            SavedCachedInputTokens = Math.Clamp(usage.SavedCachedInputTokens, 0, usage.SavedInputTokens),
        };
        return new PendingUsage(usageEvent, priced.Cost)
        {
            Group = _budgets?.GroupOf(usage.ClientId),
            Reservation = reservation,
        };
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning,
        Message = "Usage queue full: dropped the event of request {RequestId} for client {ClientId}")]
    private static partial void LogDropped(ILogger logger, string requestId, string clientId);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Dropped a second usage report of request {RequestId}")]
    private static partial void LogDuplicate(ILogger logger, string requestId);
}
