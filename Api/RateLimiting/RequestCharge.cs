using System.Globalization;
using AspireAoai.Api.Usage;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// One admitted request's charge, kept on the <see cref="GatewayRequest"/> until its usage is known. It writes the
/// <c>x-ratelimit-*</c> headers when the response starts (after upstream headers were copied, so the client sees its
/// own limits rather than the deployment's); <see cref="RequestCompletion"/> settles the charge when the request has
/// ended: to the actual usage, or by refunding the tokens of a request that failed without using any.
/// </summary>
public sealed class RequestCharge
{
    /// <summary>The status of a request whose client went away (the forwarder's 499).</summary>
    private const int ClientClosedRequest = 499;

    private readonly ClientLimiter _limiter;
    private readonly LimitCatalog _catalog;
    private readonly HttpContext _http;
    private int _settled;
    private int _reservationTaken;

    internal RequestCharge(ClientLimits client, in LimitResult result, long tokens, ClientLimiter limiter, LimitCatalog catalog, HttpContext http)
    {
        Client = client;
        Result = result;
        Tokens = tokens;
        _limiter = limiter;
        _catalog = catalog;
        _http = http;
    }

    public ClientLimits Client { get; }

    public LimitResult Result { get; }

    /// <summary>Tokens charged at admission (the estimate).</summary>
    public long Tokens { get; }

    /// <summary>
    /// Reconciles the charge with the request's usage and charges the deployment that served it; a request that failed
    /// without using tokens gets them back. Never blocks: the adjustments ride along with later admissions.
    /// </summary>
    internal void Settle(GatewayRequest request)
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            return;
        }

        var usage = request.Usage;
        var actual = (long)usage.InputTokens + usage.OutputTokens;
        // A response-cache hit used no upstream tokens: its TPM charge goes back to 0 (its request still counts for RPM).
        if (request.CacheHit is null && request.Status is (>= 200 and < 300) or ClientClosedRequest && actual == 0)
        {
            // Usage unknown (an upstream that sent none, or a client that left before any of it was counted): the
            // estimate stays, an upper bound. A client that leaves does not get its charge back: the deployment may
            // have worked on the request all the same.
            actual = Tokens;
        }

        _limiter.Reconcile(Client, Result, Tokens, actual);
        if (request.Deployment is { } served && _catalog.ForDeployment(served.Name) is { } deployment)
        {
            _limiter.ChargeDeployment(deployment, Result, actual);
        }
    }

    /// <summary>
    /// The request's budget reservation, once: to whoever writes its usage (which releases it with the real cost), or to
    /// <see cref="ReleaseReservation"/> when nobody did. Null when it has none or it was taken.
    /// </summary>
    internal Reservation? TakeReservation()
    {
        if (Client.Budget is not { } budget || Result.Budget is not { ReservationBucket: > 0 } reading
            || Interlocked.Exchange(ref _reservationTaken, 1) != 0)
        {
            return null;
        }

        return new Reservation(budget.ReservationKey, budget.Group?.ReservationKey, reading.ReservationBucket, reading.Cost);
    }

    /// <summary>Releases the budget reservation through the limiter's next flush, unless the usage writer took it.</summary>
    internal void ReleaseReservation()
    {
        if (TakeReservation() is { } reservation)
        {
            _limiter.Release(reservation);
        }
    }

    /// <summary>OnStarting callback: the client's limit and remaining headers.</summary>
    internal static Task OnStarting(object state)
    {
        var charge = (RequestCharge)state;
        WriteHeaders(charge.Client, charge.Result, charge._http.Response.Headers);
        return Task.CompletedTask;
    }

    /// <summary>Sets the client's limit and remaining headers from a decision.</summary>
    internal static void WriteHeaders(ClientLimits client, in LimitResult result, IHeaderDictionary headers)
    {
        int rpm = client.Rpm, tpm = client.Tpm;
        string rpmText = client.RpmHeader, tpmText = client.TpmHeader;
        if (result.Source == LimitSource.Local)
        {
            rpm = client.Local.Rpm;
            tpm = client.Local.Tpm;
            rpmText = client.LocalRpmHeader;
            tpmText = client.LocalTpmHeader;
        }

        if (rpm > 0)
        {
            headers["x-ratelimit-limit-requests"] = rpmText;
            headers["x-ratelimit-remaining-requests"] = Math.Max(0, rpm - result.Requests).ToString(CultureInfo.InvariantCulture);
        }

        if (tpm > 0)
        {
            headers["x-ratelimit-limit-tokens"] = tpmText;
            headers["x-ratelimit-remaining-tokens"] = Math.Max(0, tpm - result.Tokens).ToString(CultureInfo.InvariantCulture);
        }

        if (client.Budget is { } budget)
        {
            BudgetAnswer.WriteHeaders(budget, result, headers);
        }
    }
}
