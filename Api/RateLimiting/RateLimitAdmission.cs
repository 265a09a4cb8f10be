using System.Globalization;
using System.Runtime.CompilerServices;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Routing;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Admission before routing: estimates the request's tokens, checks and charges the client's limits and the pool's
/// capacity in one Redis round trip, and turns a refusal into 429 (with when to retry) or, for a request larger than
/// a whole limit, 400.
/// </summary>
internal sealed partial class RateLimitAdmission : IRequestAdmission
{
    private readonly LimitCatalog _catalog;
    private readonly RateLimiter _limiter;
    private readonly TokenEstimator _estimator;
    private readonly BudgetMonitor _budgets;
    private readonly TimeProvider _time;
    private readonly ILogger<RateLimitAdmission> _logger;

    public RateLimitAdmission(LimitCatalog catalog, RateLimiter limiter, TokenEstimator estimator, BudgetMonitor budgets, TimeProvider time,
        ILogger<RateLimitAdmission> logger)
    {
        _catalog = catalog;
        _limiter = limiter;
        _estimator = estimator;
        _budgets = budgets;
        _time = time;
        _logger = logger;
    }

    // Pooled state machine: one admission per request, always awaited once, usually completing asynchronously.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<AdmissionDecision> AdmitAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        var client = _catalog.ForClient(request.Client.Id);
        var deployments = _catalog.ForPool(request.Pool);
        if (!client.HasLimits && deployments.Length == 0)
        {
            return AdmissionDecision.Admit;
        }

        var tokens = _estimator.Estimate(request);
        var result = await _limiter.AcquireAsync(client, deployments, tokens).ConfigureAwait(false);
        var http = request.Http;
        if (client.Budget is { } budget && result.PeriodKeys is { } periodKeys)
        {
            _budgets.Observe(budget, periodKeys, result.DaySpend, result.MonthSpend);
            if (result.BudgetExceeded)
            {
                return RejectBudget(budget, periodKeys, result);
            }
        }

        if (result.Admitted)
        {
            var lease = new RateLimitLease(client, result, tokens, _limiter, http);
            request.Lease = lease;
            http.Response.OnStarting(RateLimitLease.OnStarting, lease);
            http.Response.OnCompleted(RateLimitLease.OnCompleted, lease);
            return AdmissionDecision.Admit;
        }

        RateLimitLease.WriteHeaders(client, result, http.Response.Headers);
        var rejected = Reject(request, client, result, tokens);
        return result.Source != LimitSource.Unavailable && result.Reason is SlidingWindowScript.ReasonRpm or SlidingWindowScript.ReasonTpm
            or SlidingWindowScript.ReasonDay or SlidingWindowScript.ReasonMonth ? rejected with { RefusesClient = true } : rejected;
    }

    private AdmissionDecision Reject(GatewayRequest request, ClientLimits client, in LimitResult result, long tokens)
    {
        LogRejected(_logger, client.Id, result.Reason, result.RetryAfterMs);
        var retry = TimeSpan.FromMilliseconds(Math.Max(1, result.RetryAfterMs));
        var seconds = Math.Max(1, (long)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var t = tokens.ToString(CultureInfo.InvariantCulture);
        if (result.Source == LimitSource.Unavailable)
        {
            return AdmissionDecision.Reject(StatusCodes.Status503ServiceUnavailable,
                "The gateway cannot check rate limits right now (its limit store is unavailable). Please retry shortly.",
                "rate_limit_store_unavailable", TimeSpan.FromSeconds(1));
        }

        return result.Reason switch
        {
            SlidingWindowScript.ReasonRpm => AdmissionDecision.Reject(StatusCodes.Status429TooManyRequests,
                $"Requests from client '{client.Id}' have exceeded the gateway's limit of {Limit(client.Rpm, result)} requests per minute. Please retry after {seconds} seconds.",
                "rate_limit_exceeded", retry),
            SlidingWindowScript.ReasonTpm => AdmissionDecision.Reject(StatusCodes.Status429TooManyRequests,
                $"Requests from client '{client.Id}' have exceeded the gateway's token rate limit of {Limit(client.Tpm, result)} tokens per minute (this request is estimated at {t} tokens, completion included). Please retry after {seconds} seconds.",
                "rate_limit_exceeded", retry),
            SlidingWindowScript.ReasonDay => AdmissionDecision.Reject(StatusCodes.Status429TooManyRequests,
                $"Client '{client.Id}' has used its quota of {client.TokensPerDay.ToString(CultureInfo.InvariantCulture)} tokens for today (UTC). Please retry after {seconds} seconds.",
                "insufficient_quota", retry),
            SlidingWindowScript.ReasonMonth => AdmissionDecision.Reject(StatusCodes.Status429TooManyRequests,
                $"Client '{client.Id}' has used its quota of {client.TokensPerMonth.ToString(CultureInfo.InvariantCulture)} tokens for this month (UTC). Please retry after {seconds} seconds.",
                "insufficient_quota", retry),
            SlidingWindowScript.ReasonCapacity => AdmissionDecision.Reject(StatusCodes.Status429TooManyRequests,
                $"Every deployment of '{request.Pool.Model}' is at its capacity. Please retry after {seconds} seconds.",
                "rate_limit_exceeded", retry),
            SlidingWindowScript.ReasonTooLargeTpm => TooLarge($"This request is estimated at {t} tokens (prompt plus max_tokens), more than client '{client.Id}''s whole limit of {Limit(client.Tpm, result)} tokens per minute: it can never be admitted. Lower max_tokens or shorten the prompt."),
            SlidingWindowScript.ReasonTooLargeDay => TooLarge($"This request is estimated at {t} tokens, more than client '{client.Id}''s whole daily quota of {client.TokensPerDay.ToString(CultureInfo.InvariantCulture)} tokens: it can never be admitted."),
            SlidingWindowScript.ReasonTooLargeMonth => TooLarge($"This request is estimated at {t} tokens, more than client '{client.Id}''s whole monthly quota of {client.TokensPerMonth.ToString(CultureInfo.InvariantCulture)} tokens: it can never be admitted."),
            SlidingWindowScript.ReasonTooLargeCapacity => TooLarge($"This request is estimated at {t} tokens, more than the per-minute capacity of every deployment of '{request.Pool.Model}': it can never be served. Lower max_tokens or shorten the prompt."),
            _ => AdmissionDecision.Reject(StatusCodes.Status429TooManyRequests, $"Client '{client.Id}' is over its rate limit. Please retry after {seconds} seconds.", "rate_limit_exceeded", retry),
        };
    }

    /// <summary>
    /// 429 <c>insufficient_quota</c> / <c>budget_exceeded</c> naming the budget, with <c>retry-after</c> until the
    /// period rolls over (by this replica's clock, which also named the spend keys).
    /// </summary>
    private AdmissionDecision RejectBudget(ClientBudget budget, PeriodKeys keys, LimitResult result)
    {
        var period = result.Reason == SlidingWindowScript.ReasonBudgetDay ? BudgetPeriod.Day : BudgetPeriod.Month;
        var resetsAt = period == BudgetPeriod.Day
            ? new DateTimeOffset((keys.Day + 1) * TimeSpan.TicksPerDay, TimeSpan.Zero)
            : ClientBudget.ResetsAt(BudgetPeriod.Month, new DateTimeOffset(keys.Day * TimeSpan.TicksPerDay, TimeSpan.Zero));
        var retry = resetsAt - _time.GetUtcNow();
        if (retry < TimeSpan.FromSeconds(1))
        {
            retry = TimeSpan.FromSeconds(1);
        }

        var spend = period == BudgetPeriod.Day ? result.DaySpend : result.MonthSpend;
        var message = string.Create(CultureInfo.InvariantCulture,
            $"The {(period == BudgetPeriod.Day ? "daily" : "monthly")} budget of {ClientBudget.FormatUsd(budget.Limit(period)!.Value)} for client '{budget.ClientId}' is spent ({ClientBudget.FormatUsd(Usage.SpendKeys.ToDollars(Math.Max(0, spend)))} used); it resets at {resetsAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}.");
        _budgets.Exceeded(budget, period);
        LogBudgetRejected(_logger, budget.ClientId, period == BudgetPeriod.Day ? "daily" : "monthly");
        return AdmissionDecision.Reject(StatusCodes.Status429TooManyRequests, message, BudgetErrorCode, retry) with { Type = InsufficientQuota, RefusesClient = true };
    }

    /// <summary>OpenAI's error type for exhausted quota.</summary>
    internal const string InsufficientQuota = "insufficient_quota";

    internal const string BudgetErrorCode = "budget_exceeded";

    private static AdmissionDecision TooLarge(string message)
        => AdmissionDecision.Reject(StatusCodes.Status400BadRequest, message, "tokens_exceed_rate_limit");

    private static string Limit(int configured, in LimitResult result)
        => (result.Source == LimitSource.Local ? "a local share of " : "") + configured.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Debug, Message = "Client {ClientId} was refused: its {Period} budget is spent")]
    private static partial void LogBudgetRejected(ILogger logger, string clientId, string period);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "Rate limit refused client {ClientId} (reason {Reason}, retry after {RetryAfterMs} ms)")]
    private static partial void LogRejected(ILogger logger, string clientId, int reason, long retryAfterMs);
}
