using System.Diagnostics;
using System.Globalization;
using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Forwarding;

/// <summary>
/// Attempts that failed for no fault of the deployment's: inside this gateway (<see cref="LocalFault"/>), or a connect that
/// timed out while the deployment answered others. No cool-down, a clear answer.
/// </summary>
public sealed partial class UpstreamForwarder
{
    /// <summary>
    /// How long a client is asked to wait when this replica ran out of descriptors or ports: long enough for streams to
    /// end and release theirs, short enough that a retry (perhaps on another replica behind the load balancer) is soon.
    /// </summary>
    private static readonly TimeSpan OverloadRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Records an attempt that failed for lack of local resources. The deployment's state is left alone (no cool-down, no
    /// failure count, its last status kept): it said and did nothing. The request may still try another deployment,
    /// whose pooled connection needs no new descriptor.
    /// </summary>
    private void FailLocally(GatewayRequest request, Deployment deployment, int attempt, Activity? activity, string reason, Exception exception,
        RequestState state)
    {
        state.LocalFault = reason;
        _telemetry.Rejections.Add(1, new KeyValuePair<string, object?>("error.type", reason));
        LocalFaultLog.LocalFailure(_logger, attempt, deployment.Name, request.Client.Id, reason, exception);
        if (activity is not null)
        {
            activity.SetTag("error.type", reason);
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    /// <summary>
    /// Records an attempt whose connection could not be opened within the connect timeout while the deployment answered
    /// other requests (a burst of new connections filling its accept queue, or an exhausted path such as outbound SNAT
    /// ports): no cool-down and no failure on the deployment, which is answering; the request tries the others, then it
    /// again (<see cref="AttemptOutcome.Unconnected"/>).
    /// </summary>
    private void FailUnconnected(GatewayRequest request, Deployment deployment, int attempt, Activity? activity)
    {
        const string reason = "connect_backlog";
        _telemetry.UpstreamResponses.Add(1, new("aoai.deployment", deployment.Name), new("http.response.status_code", reason));
        LocalFaultLog.Unconnected(_logger, attempt, deployment.Name, request.Client.Id);
        if (activity is not null)
        {
            activity.SetTag("error.type", reason);
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    /// <summary>503 with retry-after when the last attempts failed inside the gateway and no deployment is cooling them all.</summary>
    private Task WriteOverloadedAsync(GatewayRequest request, RequestState state)
    {
        var reason = state.LocalFault ?? "local_resources_exhausted";
        LocalFaultLog.Overloaded(_logger, request.Client.Id, request.Pool.Model, state.Attempts, reason);
        state.Status = StatusCodes.Status503ServiceUnavailable;
        return OpenAiErrors.WriteAsync(request.Http, StatusCodes.Status503ServiceUnavailable,
            string.Create(CultureInfo.InvariantCulture,
                $"This gateway is out of local resources ({reason}) and could not reach '{request.Pool.Model}'; the deployments are healthy. Please retry after {OverloadRetryAfter.TotalMilliseconds} ms."),
            OpenAiErrors.Server, "gateway_overloaded", retryAfter: OverloadRetryAfter);
    }
}
