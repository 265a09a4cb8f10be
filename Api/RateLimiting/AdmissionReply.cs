using System.Globalization;
using AspireAoai.Api.Budgets;
using StackExchange.Redis;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// The reply of an admission call of <see cref="SlidingWindowScript"/>, read by name: the script returns one flat array
/// (its <c>reply</c> table), whose positions are named here. A view over the array, read once per admission.
/// </summary>
internal readonly struct AdmissionReply
{
    private const int AdmittedAt = 0;
    private const int RetryAfterMsAt = 1;
    private const int ReasonAt = 2;
    private const int RequestsAt = 3;
    private const int TokensAt = 4;
    private const int NowMsAt = 5;
    private const int BucketAt = 6;
    private const int DayAt = 7;
    private const int MonthAt = 8;
    private const int DaySpendAt = 9;
    private const int MonthSpendAt = 10;
    private const int LeasedAt = 11;
    private const int ClientReservedAt = 12;
    private const int GroupDaySpendAt = 13;
    private const int GroupMonthSpendAt = 14;
    private const int GroupReservedAt = 15;
    private const int ReservationBucketAt = 16;

    /// <summary>Each deployment's pair (requests, tokens in its window) from here on.</summary>
    private const int FirstDeploymentAt = SlidingWindowScript.ReplyFixed;

    private readonly RedisResult[] _reply;

    public AdmissionReply(RedisResult result) => _reply = (RedisResult[])result!;

    public bool Admitted => (long)_reply[AdmittedAt] == 1;

    /// <summary>True when the lease asked for was granted (and charged with the request).</summary>
    public bool Leased => (long)_reply[LeasedAt] == 1;

    /// <summary>Redis's clock at the admission, in Unix milliseconds.</summary>
    public long NowMs => (long)_reply[NowMsAt];

    /// <summary>Requests in deployment <paramref name="k"/>'s window (in the order of the call's deployments).</summary>
    public long DeploymentRequests(int k) => (long)_reply[FirstDeploymentAt + (2 * k)];

    /// <summary>Tokens in deployment <paramref name="k"/>'s window.</summary>
    public long DeploymentTokens(int k) => (long)_reply[FirstDeploymentAt + (2 * k) + 1];

    /// <summary>The decision, with the spend read and, for a budgeted client (<paramref name="periodKeys"/> set), its budget figures.</summary>
    public LimitResult ToResult(PeriodKeys? periodKeys, long cost)
        => new(Admitted, (int)_reply[ReasonAt], (long)_reply[RetryAfterMsAt], (long)_reply[RequestsAt], (long)_reply[TokensAt], NowMs,
            (long)_reply[BucketAt], (long)_reply[DayAt], (long)_reply[MonthAt], LimitSource.Redis)
        {
            DaySpend = Spend(_reply[DaySpendAt]),
            MonthSpend = Spend(_reply[MonthSpendAt]),
            PeriodKeys = periodKeys,
            Budget = periodKeys is null ? null : new BudgetReading(cost, (long)_reply[ClientReservedAt], Spend(_reply[GroupDaySpendAt]),
                Spend(_reply[GroupMonthSpendAt]), (long)_reply[GroupReservedAt], (long)_reply[ReservationBucketAt]),
        };

    /// <summary>A spend counter as the script returned it: an exact integer string, or nil when it was not read.</summary>
    private static long Spend(RedisResult value)
        => !value.IsNull && long.TryParse((string)value!, NumberStyles.Integer, CultureInfo.InvariantCulture, out var spend) ? spend : -1;
}
