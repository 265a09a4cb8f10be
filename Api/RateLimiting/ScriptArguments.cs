using System.Globalization;
using AspireAoai.Api.Budgets;
using StackExchange.Redis;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Writes the KEYS and ARGV of <see cref="SlidingWindowScript"/> in the order its text reads them: an admission (mode
/// <c>a</c>) and the header of a flush (mode <c>f</c>). The positions are named in <see cref="Argv"/> and
/// <see cref="KeyIndex"/>; the script's remarks list the same order, 1-based.
/// </summary>
internal sealed class ScriptArguments
{
    private static readonly RedisValue AdmitMode = "a";
    private static readonly RedisValue FlushMode = "f";
    private static readonly RedisValue Zero = 0;
    private static readonly RedisValue ChargeKind = "1";
    private static readonly RedisValue ReconcileKind = "0";
    private static readonly RedisValue ReleaseKind = "2";
    private static readonly RedisValue LeaseFillArgument = LeaseKeeper.Fill;
    private static readonly RedisValue ReservationBucketArgument = BudgetOptions.ReservationBucketMs;

    private readonly TimeProvider _time;
    private readonly RedisValue _bucketMs;
    private readonly RedisValue _window;
    private readonly RedisValue _ttl;
    private readonly RedisValue _reservationMs;

    public ScriptArguments(RateLimitOptions options, TimeSpan reservation, TimeProvider time)
    {
        _time = time;
        _bucketMs = options.BucketMilliseconds;
        _window = 60_000 / options.BucketMilliseconds;
        _ttl = 60_000 + (2 * options.BucketMilliseconds);
        ReservationMs = (long)reservation.TotalMilliseconds;
        _reservationMs = ReservationMs;
    }

    /// <summary>How long an unsettled reservation holds budget, in milliseconds (at most one reservation bucket more).</summary>
    public long ReservationMs { get; }

    /// <summary>Test hook: the server-time override in milliseconds passed to the script (0 = Redis TIME).</summary>
    public Func<long>? ClockOverride { get; set; }

    /// <summary>Budget scopes an admission of a client reads: 0 none, 1 the client's, 2 the client's and its group's.</summary>
    public static int ScopesOf(ClientBudget? budget) => budget is null ? 0 : budget.Group is null ? 1 : 2;

    /// <summary>
    /// Writes an admission of <paramref name="tokens"/> (and, when <paramref name="lease"/> is not empty, a lease of that
    /// size) into <paramref name="args"/>, a buffer shaped for the pool and the client's budget scopes. Returns the spend
    /// keys read, or null when the client has no budget.
    /// </summary>
    public PeriodKeys? WriteAdmission(ArgumentBuffer args, ClientLimits client, DeploymentLimits[] deployments, long tokens,
        (long Requests, long Tokens) lease, long cost)
    {
        var d = deployments.Length;
        var keys = args.Keys;
        var values = args.Values;
        keys[KeyIndex.Client] = client.Key;
        WriteCommon(values, AdmitMode);
        values[Argv.Tokens] = tokens;
        values[Argv.Rpm] = client.Rpm;
        values[Argv.Tpm] = client.Tpm;
        values[Argv.TokensPerDay] = client.TokensPerDay;
        values[Argv.TokensPerMonth] = client.TokensPerMonth;
        values[Argv.DeploymentCount] = d;
        PeriodKeys? periodKeys = null;
        if (client.Budget is not { } budget)
        {
            values[Argv.DailyBudget] = Zero;
            values[Argv.MonthlyBudget] = Zero;
            values[Argv.GroupDailyBudget] = Zero;
            values[Argv.GroupMonthlyBudget] = Zero;
            values[Argv.Cost] = Zero;
            values[Argv.ReservationMs] = Zero;
            values[Argv.ReservationBucketMs] = Zero;
        }
        else
        {
            periodKeys = budget.KeysAt(_time.GetUtcNow());
            WriteBudget(keys, values, KeyIndex.FirstDeployment + d, budget, periodKeys, cost);
        }

        values[Argv.LeaseRequests] = lease.Requests;
        values[Argv.LeaseTokens] = lease.Tokens;
        values[Argv.LeaseFill] = LeaseFillArgument;
        for (var k = 0; k < d; k++)
        {
            keys[KeyIndex.FirstDeployment + k] = deployments[k].Key;
            var v = Argv.FirstDeployment + (Argv.PerDeployment * k);
            values[v + Argv.DeploymentTpm] = deployments[k].UsableTpm;
            values[v + Argv.DeploymentRpm] = deployments[k].UsableRpm;
        }

        return periodKeys;
    }

    /// <summary>
    /// Keys and values of a budgeted admission: the client's spend counters and reservations, its group's when it has one,
    /// the limits and the worst-case cost (written as an exact integer string: picodollars can pass 2^53).
    /// </summary>
    private void WriteBudget(RedisKey[] keys, RedisValue[] values, int firstBudgetKey, ClientBudget budget, PeriodKeys periodKeys, long cost)
    {
        keys[firstBudgetKey + KeyIndex.DaySpend] = periodKeys.DayKey;
        keys[firstBudgetKey + KeyIndex.MonthSpend] = periodKeys.MonthKey;
        keys[firstBudgetKey + KeyIndex.Reservations] = budget.ReservationKey;
        values[Argv.DailyBudget] = budget.DailyPicodollars;
        values[Argv.MonthlyBudget] = budget.MonthlyPicodollars;
        if (budget.Group is { } group)
        {
            keys[firstBudgetKey + KeyIndex.GroupDaySpend] = periodKeys.GroupDayKey;
            keys[firstBudgetKey + KeyIndex.GroupMonthSpend] = periodKeys.GroupMonthKey;
            keys[firstBudgetKey + KeyIndex.GroupReservations] = group.ReservationKey;
            values[Argv.GroupDailyBudget] = group.DailyPicodollars;
            values[Argv.GroupMonthlyBudget] = group.MonthlyPicodollars;
        }
        else
        {
            values[Argv.GroupDailyBudget] = Zero;
            values[Argv.GroupMonthlyBudget] = Zero;
        }

        values[Argv.Cost] = cost.ToString(CultureInfo.InvariantCulture);
        values[Argv.ReservationMs] = _reservationMs;
        values[Argv.ReservationBucketMs] = ReservationBucketArgument;
    }

    /// <summary>Arrays for a flush of <paramref name="count"/> adjustments, with the flush's leading arguments written.</summary>
    public (RedisKey[] Keys, RedisValue[] Values) NewFlush(int count)
    {
        var keys = new RedisKey[count];
        var values = new RedisValue[Argv.FirstAdjustment + (count * Argv.PerAdjustment)];
        WriteCommon(values, FlushMode);
        values[Argv.AdjustmentCount] = count;
        return (keys, values);
    }

    /// <summary>Writes adjustment <paramref name="i"/> of a flush made by <see cref="NewFlush"/>.</summary>
    public static void WriteAdjustment(RedisKey[] keys, RedisValue[] values, int i, in Adjustment adjustment)
    {
        keys[i] = adjustment.Key;
        var v = Argv.FirstAdjustment + (i * Argv.PerAdjustment);
        values[v + Argv.AdjustmentBucket] = adjustment.Bucket;
        values[v + Argv.AdjustmentTokens] = adjustment.Tokens;
        values[v + Argv.AdjustmentRequests] = adjustment.Requests;
        values[v + Argv.AdjustmentDay] = adjustment.Day;
        values[v + Argv.AdjustmentMonth] = adjustment.Month;
        values[v + Argv.AdjustmentKind] = adjustment.Kind switch
        {
            Adjustment.Charge => ChargeKind,
            Adjustment.Release => ReleaseKind,
            _ => ReconcileKind,
        };
    }

    /// <summary>The arguments both modes of the script start with: mode, clock override, bucket width, window, ttl.</summary>
    private void WriteCommon(RedisValue[] values, RedisValue mode)
    {
        values[Argv.Mode] = mode;
        values[Argv.NowOverride] = ClockOverride?.Invoke() ?? 0;
        values[Argv.BucketMs] = _bucketMs;
        values[Argv.Window] = _window;
        values[Argv.TtlMs] = _ttl;
    }

    /// <summary>Positions in ARGV, 0-based (the script reads position i as <c>ARGV[i + 1]</c>).</summary>
    internal static class Argv
    {
        // Both modes.
        public const int Mode = 0;
        public const int NowOverride = 1;
        public const int BucketMs = 2;
        public const int Window = 3;
        public const int TtlMs = 4;

        // Admission.
        public const int Tokens = 5;
        public const int Rpm = 6;
        public const int Tpm = 7;
        public const int TokensPerDay = 8;
        public const int TokensPerMonth = 9;
        public const int DeploymentCount = 10;
        public const int DailyBudget = 11;
        public const int MonthlyBudget = 12;
        public const int LeaseRequests = 13;
        public const int LeaseTokens = 14;
        public const int LeaseFill = 15;
        public const int GroupDailyBudget = 16;
        public const int GroupMonthlyBudget = 17;
        public const int Cost = 18;
        public const int ReservationMs = 19;
        public const int ReservationBucketMs = 20;

        /// <summary>The first deployment's pair (usable TPM, usable RPM), right after <see cref="ReservationBucketMs"/>.</summary>
        public const int FirstDeployment = SlidingWindowScript.AdmitFixedArgs;
        public const int PerDeployment = 2;
        public const int DeploymentTpm = 0;
        public const int DeploymentRpm = 1;

        // Flush.
        public const int AdjustmentCount = 5;
        public const int FirstAdjustment = SlidingWindowScript.FlushFixedArgs;
        public const int PerAdjustment = SlidingWindowScript.ArgsPerAdjustment;
        public const int AdjustmentBucket = 0;
        public const int AdjustmentTokens = 1;
        public const int AdjustmentRequests = 2;
        public const int AdjustmentDay = 3;
        public const int AdjustmentMonth = 4;
        public const int AdjustmentKind = 5;
    }

    /// <summary>Positions in KEYS of an admission, 0-based: the client, the pool's deployments, then the budget scopes' keys.</summary>
    internal static class KeyIndex
    {
        public const int Client = 0;
        public const int FirstDeployment = 1;

        /// <summary>Keys per budget scope: day spend, month spend, reservations.</summary>
        public const int PerBudgetScope = 3;

        // After the deployments (offsets from FirstDeployment + deployments).
        public const int DaySpend = 0;
        public const int MonthSpend = 1;
        public const int Reservations = 2;
        public const int GroupDaySpend = 3;
        public const int GroupMonthSpend = 4;
        public const int GroupReservations = 5;
    }
}
