using System.Globalization;
using AspireAoai.Simulator.Capacity;
using AspireAoai.Simulator.Deployments;
using AspireAoai.Simulator.Faults;
using AspireAoai.Simulator.Http;
using AspireAoai.Simulator.Stats;
using Microsoft.Extensions.Primitives;

namespace AspireAoai.Simulator.Admission;

/// <summary>How a request goes on after admission.</summary>
internal enum AdmissionOutcome
{
    /// <summary>Answer normally.</summary>
    Proceed,

    /// <summary>Answer, but with the completion cut by the content filter.</summary>
    ProceedFiltered,

    /// <summary>Answer, but cut the connection halfway through the answer.</summary>
    ProceedCut,

    /// <summary>Already answered (a fault or a 429), or abandoned by the client.</summary>
    Answered,
}

/// <summary>
/// Decides whether a well-formed request to a known deployment gets a real answer: counts it, applies an
/// injected fault (from the <c>x-sim-fault</c> header or the fault store) and charges the deployment's capacity.
/// </summary>
internal sealed partial class RequestAdmission(
    IFaultStore faults,
    ICapacityLimiter capacity,
    SimulatorStats stats,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<RequestAdmission> logger)
{
    public async ValueTask<AdmissionOutcome> AdmitAsync(
        HttpContext context, Deployment deployment, Operation operation, string apiVersion, int tokenCost, bool enforceCapacity)
    {
        stats.RecordRequest(deployment.Name);
        stats.RecordApiVersion(deployment.Name, apiVersion);
        if (deployment.RefusesApiVersion(apiVersion))
        {
            // Azure's answer when a model needs a newer api-version than the call names (o-series, gpt-5 family).
            await AzureErrors.BadRequest(context,
                $"Model {deployment.Model} is enabled only for api versions {deployment.MinApiVersion} and later", "api-version", "BadRequest");
            return AdmissionOutcome.Answered;
        }

        var filtered = false;
        var cut = false;
        var headerFault = context.Request.Headers[SimHeaders.Fault];
        Fault fault;
        bool hasFault;
        if (!StringValues.IsNullOrEmpty(headerFault))
        {
            if (!Fault.TryParseKind(headerFault[0], out var kind))
            {
                await AzureErrors.BadRequest(context,
                    $"Unknown {SimHeaders.Fault} '{headerFault[0]}'. Use one of: {string.Join(", ", Fault.Names)}.", SimHeaders.Fault);
                return AdmissionOutcome.Answered;
            }

            fault = new Fault(kind,
                ReadInt(context, SimHeaders.FaultRetryAfterMs) ?? Fault.DefaultRetryAfterMs,
                ReadInt(context, SimHeaders.FaultDelayMs) ?? Fault.DefaultDelayMs);
            hasFault = Fault.AppliesTo(kind, operation.IsEmbeddings);
        }
        else
        {
            hasFault = faults.TryTake(deployment.Name, operation.IsEmbeddings, out fault);
        }

        if (hasFault)
        {
            stats.RecordFault(deployment.Name, fault.Kind);
            LogFault(logger, Fault.NameOf(fault.Kind), deployment.Name);
            switch (fault.Kind)
            {
                case FaultKind.RateLimit:
                    WriteRetryAfter(context, TimeSpan.FromMilliseconds(fault.RetryAfterMs));
                    await AzureErrors.RateLimited(context, operation.AzureName, apiVersion, tokens: true, RetryAfterSeconds(TimeSpan.FromMilliseconds(fault.RetryAfterMs)));
                    return AdmissionOutcome.Answered;
                case FaultKind.ServerError:
                    await AzureErrors.InternalServerError(context);
                    return AdmissionOutcome.Answered;
                case FaultKind.ServiceUnavailable:
                    await AzureErrors.ServiceUnavailable(context);
                    return AdmissionOutcome.Answered;
                case FaultKind.PromptFilter:
                    await AzureErrors.PromptFiltered(context);
                    return AdmissionOutcome.Answered;
                case FaultKind.Timeout:
                    await HoldUntilClientGivesUpAsync(context);
                    return AdmissionOutcome.Answered;
                case FaultKind.Slow:
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, fault.DelayMs)), time, context.RequestAborted);
                    break;
                case FaultKind.CompletionFilter:
                    filtered = true;
                    break;
                case FaultKind.Cut:
                    cut = true;
                    break;
            }
        }

        if (enforceCapacity)
        {
            var decision = capacity.TryAcquire(deployment, tokenCost);
            var headers = context.Response.Headers;
            headers[SimHeaders.RemainingRequests] = decision.RemainingRequests.ToString(CultureInfo.InvariantCulture);
            headers[SimHeaders.RemainingTokens] = decision.RemainingTokens.ToString(CultureInfo.InvariantCulture);
            headers[SimHeaders.LimitRequests] = decision.LimitRequests.ToString(CultureInfo.InvariantCulture);
            headers[SimHeaders.LimitTokens] = decision.LimitTokens.ToString(CultureInfo.InvariantCulture);
            if (!decision.Allowed)
            {
                stats.RecordThrottled(deployment.Name);
                LogThrottled(logger, deployment.Name, decision.TokenLimitHit ? "TPM" : "RPM", (long)decision.RetryAfter.TotalMilliseconds);
                WriteRetryAfter(context, decision.RetryAfter);
                await AzureErrors.RateLimited(context, operation.AzureName, apiVersion, decision.TokenLimitHit, RetryAfterSeconds(decision.RetryAfter));
                return AdmissionOutcome.Answered;
            }
        }

        return filtered ? AdmissionOutcome.ProceedFiltered : cut ? AdmissionOutcome.ProceedCut : AdmissionOutcome.Proceed;
    }

    /// <summary>Seconds for <c>retry-after</c>: rounded up, at least 1, as Azure never says 0.</summary>
    internal static int RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));

    private static void WriteRetryAfter(HttpContext context, TimeSpan retryAfter)
    {
        var headers = context.Response.Headers;
        headers[SimHeaders.RetryAfter] = RetryAfterSeconds(retryAfter).ToString(CultureInfo.InvariantCulture);
        headers[SimHeaders.RetryAfterMs] = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
    }

    private static int? ReadInt(HttpContext context, string header) =>
        int.TryParse(context.Request.Headers[header].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private async Task HoldUntilClientGivesUpAsync(HttpContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, linked.Token);
        }
        catch (OperationCanceledException)
        {
            // The client gave up, or the simulator is stopping: either way there is no one to answer.
            context.Abort();
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Injected fault {Kind} on deployment {Deployment}")]
    private static partial void LogFault(ILogger logger, string kind, string deployment);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Deployment {Deployment} over its {Limit} limit; retry after {RetryAfterMs} ms")]
    private static partial void LogThrottled(ILogger logger, string deployment, string limit, long retryAfterMs);
}
