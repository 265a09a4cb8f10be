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
    private readonly ClientLimiter _limiter;
    private readonly TokenEstimator _estimator;
    private readonly BudgetMonitor _budgets;
    private readonly BudgetPricer _pricer;
    private readonly ReservationDeadline _deadline;
    private readonly TimeProvider _time;
    private readonly ILogger<RateLimitAdmission> _logger;

    public RateLimitAdmission(LimitCatalog catalog, ClientLimiter limiter, TokenEstimator estimator, BudgetMonitor budgets, BudgetPricer pricer,
        ReservationDeadline deadline, TimeProvider time, ILogger<RateLimitAdmission> logger)
    {
        _catalog = catalog;
        _limiter = limiter;
        _estimator = estimator;
        _budgets = budgets;
        _pricer = pricer;
        _deadline = deadline;
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
        long cost = 0;
        if (client.Budget is not null && !TryWorstCase(request, tokens, out cost))
        {
            return Unpriced(request, client);
        }

        var result = await _limiter.AcquireAsync(client, deployments, tokens, cost).ConfigureAwait(false);
        var http = request.Http;
        if (client.Budget is { } budget && result.PeriodKeys is { } periodKeys)
        {
            Observe(budget, periodKeys, result);
            if (result.BudgetExceeded)
            {
                BudgetAnswer.WriteHeaders(budget, result, http.Response.Headers);
                return RejectBudget(budget, result);
            }
        }

        if (result.Admitted)
        {
            var charge = new RequestCharge(client, result, tokens, _limiter, _catalog, http);
            request.Charge = charge;
            http.Response.OnStarting(RequestCharge.OnStarting, charge);
            if (cost > 0 && result.Source == LimitSource.Redis)
            {
                // Its worst case is reserved: it must end (and settle) before that reservation can expire.
                _deadline.Start(http);
            }

            return AdmissionDecision.Admit;
        }

        RequestCharge.WriteHeaders(client, result, http.Response.Headers);
        var rejected = Reject(request, client, result, tokens);
        // Only a refusal that holds for any next request is remembered before the body is read: an RPM window has no
        // room for a request of any size, whereas a TPM or token-quota refusal depends on this request's size (a smaller
        // one may fit now), so those still go to Redis.
        return result.Source != LimitSource.Unavailable && result.Reason == SlidingWindowScript.ReasonRpm ? rejected with { RefusesClient = true } : rejected;
    }

    /// <summary>The request's worst-case cost in picodollars; false when its model has no price.</summary>
    private bool TryWorstCase(GatewayRequest request, long tokens, out long cost)
    {
        var parsed = request.Parsed;
        var prompt = tokens - _estimator.CompletionAllowance(request.Operation, parsed.MaxTokens, parsed.N);
        return _pricer.TryWorstCase(request.Operation, request.Pool.Model, prompt, parsed.MaxTokens, parsed.N, _time.GetUtcNow(), out cost, out _);
    }

    private void Observe(ClientBudget budget, PeriodKeys keys, in LimitResult result)
    {
        if (budget.Own is { } own)
        {
            _budgets.Observe(budget, own, keys.Day, keys.Month, result.DaySpend, result.MonthSpend);
        }

        if (budget.Group is { } group && result.Budget is { } reading)
        {
            _budgets.Observe(budget, group, keys.Day, keys.Month, reading.GroupDaySpend, reading.GroupMonthSpend);
        }
    }

    /// <summary>403: a budget cannot be checked against a model without a price.</summary>
    private AdmissionDecision Unpriced(GatewayRequest request, ClientLimits client)
    {
        LogUnpriced(_logger, client.Id, request.Pool.Model);
        return AdmissionDecision.Reject(StatusCodes.Status403Forbidden,
            $"Client '{client.Id}' has a spend budget, and model '{request.Pool.Model}' has no price in the gateway's price table, so what this request could cost cannot be checked against the budget. Ask the gateway's operator to add a price for '{request.Pool.Model}' (Pricing:Models).",
            "model_not_priced");
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
    /// 429 <c>insufficient_quota</c> / <c>budget_exceeded</c> naming the budget, what is left and what the request could
    /// cost, with <c>retry-after</c>: a second when what reservations in flight hold would make room (they are released as
    /// those requests finish), else until the period rolls over (by this replica's clock, which also named the spend keys).
    /// </summary>
    private AdmissionDecision RejectBudget(ClientBudget budget, in LimitResult result)
    {
        var position = BudgetAnswer.Refused(budget, result);
        var cost = result.Budget!.Cost;
        var inFlightMayFree = position.Reserved > 0 && position.Spent + cost <= position.Limit;
        var retry = inFlightMayFree ? TimeSpan.FromSeconds(1) : position.ResetsAt - _time.GetUtcNow();
        if (retry < TimeSpan.FromSeconds(1))
        {
            retry = TimeSpan.FromSeconds(1);
        }

        // Remembered before the body is read only when the period is spent outright: any request would be refused until
        // it resets. A refusal of this request's worst case must not refuse a cheaper one (the >= 90 % promise).
        _budgets.Exceeded(budget, position.Scope, position.Period);
        LogBudgetRejected(_logger, budget.ClientId, position.Scope.Kind, position.Scope.Id, position.Period == BudgetPeriod.Day ? "daily" : "monthly");
        return AdmissionDecision.Reject(StatusCodes.Status429TooManyRequests, BudgetAnswer.Message(budget, position, cost, inFlightMayFree),
            BudgetErrorCode, retry) with { Type = InsufficientQuota, RefusesClient = position.Spent >= position.Limit };
    }

    /// <summary>OpenAI's error type for exhausted quota.</summary>
    internal const string InsufficientQuota = "insufficient_quota";

    internal const string BudgetErrorCode = "budget_exceeded";

    private static AdmissionDecision TooLarge(string message)
        => AdmissionDecision.Reject(StatusCodes.Status400BadRequest, message, "tokens_exceed_rate_limit");

    private static string Limit(int configured, in LimitResult result)
        => (result.Source == LimitSource.Local ? "a local share of " : "") + configured.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Debug, Message = "Client {ClientId} was refused: the {Period} budget of {Kind} {BudgetId} cannot cover its worst case")]
    private static partial void LogBudgetRejected(ILogger logger, string clientId, string kind, string budgetId, string period);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Debug, Message = "Client {ClientId} was refused: it has a budget and model {Model} has no price")]
    private static partial void LogUnpriced(ILogger logger, string clientId, string model);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "Rate limit refused client {ClientId} (reason {Reason}, retry after {RetryAfterMs} ms)")]
    private static partial void LogRejected(ILogger logger, string clientId, int reason, long retryAfterMs);
}
