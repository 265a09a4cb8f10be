using AspireAoai.Api.Budgets;
using AspireAoai.Api.RateLimiting;
using AspireAoai.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.RateLimiting;

/// <summary>A <see cref="ClientLimiter"/> on its own multiplexer to a real redis-server: one "replica" of the limiter.</summary>
internal sealed class LimiterKit : IAsyncDisposable
{
    private LimiterKit(ConnectionMultiplexer multiplexer, RedisLimitConnection connection, ClientLimiter limiter, RateLimitOptions options)
    {
        Multiplexer = multiplexer;
        Connection = connection;
        Limiter = limiter;
        Options = options;
    }

    public ConnectionMultiplexer Multiplexer { get; }

    public RedisLimitConnection Connection { get; }

    public ClientLimiter Limiter { get; }

    public RateLimitOptions Options { get; }

    public static async Task<LimiterKit> StartAsync(RedisServer redis, Action<RateLimitOptions>? configure = null, TimeSpan? reservationTimeout = null,
        TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        // A generous timeout: the build machine is shared, and these tests are about arithmetic, not latency.
        var options = new RateLimitOptions { RedisTimeout = TimeSpan.FromSeconds(2) };
        configure?.Invoke(options);
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(
            $"{redis.ConnectionString},abortConnect=false,connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000,connectRetry=1");
        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        var connection = new RedisLimitConnection(() => multiplexer, wrapped, TimeProvider.System, NullLogger<RedisLimitConnection>.Instance);
        await connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(20));
        return new LimiterKit(multiplexer, connection, new ClientLimiter(connection, wrapped, time,
            Microsoft.Extensions.Options.Options.Create(new BudgetOptions { ReservationTimeout = reservationTimeout ?? TimeSpan.FromMinutes(15) })), options);
    }

    public ClientLimits Client(string id, int rpm = 0, int tpm = 0, long day = 0, long month = 0)
        => new(id, rpm, tpm, day, month, Options.BucketMilliseconds, Options.FallbackReplicas);

    public ClientLimits ClientWithBudget(string id, int tpm, decimal? dailyUsd, BudgetScope? group = null, decimal? monthlyUsd = null)
        => new(id, 0, tpm, 0, 0, Options.BucketMilliseconds, Options.FallbackReplicas,
            new ClientBudget(id, dailyUsd is null && monthlyUsd is null ? null : new BudgetScope(id, isGroup: false, dailyUsd, monthlyUsd, 80), group));

    /// <summary>A budget group's scope (share one instance between the clients of one kit, as one replica's catalog does).</summary>
    public static BudgetScope Group(string id, decimal? dailyUsd, decimal? monthlyUsd = null) => new(id, isGroup: true, dailyUsd, monthlyUsd, 80);

    public static DeploymentLimits Deployment(string name, int tpm, int rpm = 0) => new(name, tpm, rpm, 1.0);

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Multiplexer.DisposeAsync();
    }
}
