using System.Collections.Frozen;
using System.Globalization;
using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Responses;

/// <summary>
/// Where a response id belongs: finds the deployment a follow-up must use (the one whose Azure resource stored the
/// response, for the client that made it) and records the owner of each new response id. A follow-up is never sent
/// elsewhere: another resource does not know the id. An id another client made is answered as unknown.
/// </summary>
public sealed partial class ResponseOwners
{
    private readonly IResponseAffinityStore _store;
    private readonly FrozenDictionary<string, Deployment> _deployments;
    private readonly TimeProvider _time;
    private readonly ILogger<ResponseOwners> _logger;

    public ResponseOwners(IResponseAffinityStore store, DeploymentCatalog catalog, TimeProvider time, ILogger<ResponseOwners> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _deployments = catalog.Deployments.ToFrozenDictionary(d => d.Name, StringComparer.Ordinal);
    }

    private const string PreviousResponseId = "previous_response_id";

    /// <summary>The retry-after of the 503 a follow-up gets while the affinity store cannot be read.</summary>
    private static readonly TimeSpan StoreRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The deployment that made <paramref name="responseId"/> for <paramref name="clientId"/>, or null after answering
    /// the client: 404 for an id unknown here or made by another client (400 when it is a create's
    /// <c>previous_response_id</c>, as upstream answers), 503 with retry-after when the store is down or
    /// the deployment is cooling.
    /// </summary>
    public async Task<Deployment?> FindAsync(HttpContext context, string responseId, string clientId, string param)
    {
        ResponseOwner? owner;
        try
        {
            owner = await _store.FindAsync(responseId, context.RequestAborted).ConfigureAwait(false);
        }
        catch (AffinityUnavailableException ex)
        {
            LogStoreUnavailable(_logger, ex);
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                "The gateway cannot tell which deployment holds this response right now. Please retry.", OpenAiErrors.Server,
                "response_store_unavailable", retryAfter: StoreRetryAfter).ConfigureAwait(false);
            return null;
        }

        if (owner is not { } found || !string.Equals(found.ClientId, clientId, StringComparison.Ordinal)
            || !_deployments.TryGetValue(found.Deployment, out var deployment))
        {
            // Another client's id reads as unknown: its existence is not disclosed. Answered as upstream answers an
            // unknown id: 404 on a path, 400 for a create's previous_response_id.
            var previous = param == PreviousResponseId;
            await OpenAiErrors.WriteAsync(context, previous ? StatusCodes.Status400BadRequest : StatusCodes.Status404NotFound,
                $"{(previous ? "Previous response" : "Response")} with id '{Truncate(responseId)}' not found.", OpenAiErrors.InvalidRequest,
                previous ? "previous_response_not_found" : "not_found", param).ConfigureAwait(false);
            return null;
        }

        return deployment;
    }

    /// <summary>
    /// Readies a Responses create: a stored response's id will be recorded when seen, and a create continuing a response
    /// (<c>previous_response_id</c>) is pinned to the resource that holds it. False when the client was answered (404,
    /// 400, 503) and the request ends here.
    /// </summary>
    public async ValueTask<bool> PrepareCreateAsync(GatewayRequest request)
    {
        if (request.Parsed.Store)
        {
            request.ResponseOwners = this;
        }

        if (request.Parsed.PreviousResponseId is not { } previous)
        {
            return true;
        }

        var context = request.Http;
        if (await FindAsync(context, previous, request.Client.Id, PreviousResponseId).ConfigureAwait(false) is not { } stored)
        {
            return false;
        }

        if (SameResource(request.Pool, stored) is not { } pinned)
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status400BadRequest,
                $"The previous response was made on a resource ('{stored.Name}') where this gateway has no deployment of '{request.Pool.Model}'; continue it with '{stored.Model}'.",
                OpenAiErrors.InvalidRequest, "previous_response_on_other_resource", "previous_response_id").ConfigureAwait(false);
            return false;
        }

        if (!await CheckAvailableAsync(context, pinned).ConfigureAwait(false))
        {
            return false;
        }

        request.PinnedDeployment = pinned;
        return true;
    }

    /// <summary>
    /// Answers 503 with retry-after when <paramref name="deployment"/> is cooling (a follow-up waits for it rather than
    /// going elsewhere); false when it did.
    /// </summary>
    public async Task<bool> CheckAvailableAsync(HttpContext context, Deployment deployment)
    {
        var now = _time.GetUtcNow();
        if (deployment.CoolingUntil(now) is not { } until)
        {
            return true;
        }

        await WriteUnavailableAsync(context, deployment, until - now).ConfigureAwait(false);
        return false;
    }

    /// <summary>503 for a follow-up whose deployment cannot answer now, with when to retry.</summary>
    internal static Task WriteUnavailableAsync(HttpContext context, Deployment deployment, TimeSpan retryAfter)
    {
        context.Response.Headers[Usage.CostHeaders.Cost] = "0";
        return OpenAiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
            string.Create(CultureInfo.InvariantCulture,
                $"The deployment that holds this response ('{deployment.Name}') is unavailable; responses live on the resource that made them, so this request waits for it. Please retry after {Math.Ceiling(retryAfter.TotalMilliseconds)} ms."),
            OpenAiErrors.Server, "deployment_unavailable", retryAfter: retryAfter);
    }

    /// <summary>
    /// The deployment of <paramref name="pool"/> a create continuing a response made on <paramref name="stored"/> must
    /// use: that deployment itself when it serves the pool, else one of the pool on the same Azure resource; null when
    /// the pool has none there.
    /// </summary>
    public static Deployment? SameResource(DeploymentPool pool, Deployment stored)
    {
        Deployment? sameResource = null;
        foreach (var candidate in pool.Deployments)
        {
            if (ReferenceEquals(candidate, stored))
            {
                return candidate;
            }

            if (sameResource is null && Uri.Compare(candidate.Endpoint, stored.Endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped,
                    StringComparison.OrdinalIgnoreCase) == 0)
            {
                sameResource = candidate;
            }
        }

        return sameResource;
    }

    /// <summary>Records that <paramref name="deployment"/> made <paramref name="responseId"/> for the request's client.</summary>
    public async ValueTask RememberAsync(GatewayRequest request, string responseId, Deployment deployment)
    {
        try
        {
            await _store.RememberAsync(responseId, new ResponseOwner(deployment.Name, request.Client.Id), CancellationToken.None).ConfigureAwait(false);
        }
        catch (AffinityUnavailableException ex)
        {
            // The response was made and is relayed; only its follow-ups will be refused (404) until it can be found.
            LogRememberFailed(_logger, deployment.Name, ex);
        }
    }

    /// <summary>Forgets a response the upstream deleted.</summary>
    public Task ForgetAsync(string responseId) => _store.ForgetAsync(responseId, CancellationToken.None);

    internal static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "...";

    [LoggerMessage(EventId = 1601, Level = LogLevel.Warning, Message = "The response affinity store is unavailable")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Warning, Message = "Could not record the deployment {Deployment} of a new response")]
    private static partial void LogRememberFailed(ILogger logger, string deployment, Exception exception);
}
