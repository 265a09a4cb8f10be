using System.Globalization;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// One client's admission state on this replica, checked before its request body is read: how many of its requests
/// are in flight (against <see cref="MaxConcurrentRequests"/>), and the last refusal for its own limits with the time
/// it holds until. Both are per replica: they cost no Redis round trip.
/// </summary>
public sealed class ClientGate
{
    private int _inFlight;
    private EarlyRefusal? _refusal;

    internal ClientGate(string clientId, int maxConcurrentRequests)
    {
        ClientId = clientId;
        MaxConcurrentRequests = maxConcurrentRequests;
        var max = maxConcurrentRequests.ToString(CultureInfo.InvariantCulture);
        Busy = new EarlyRefusal(StatusCodes.Status429TooManyRequests,
            $"Client '{clientId}' already has {max} requests in flight on this gateway replica, its limit of concurrent requests. Retry when one of them has finished.",
            OpenAiErrors.RateLimit, ConcurrencyCode, UntilMs: 0);
    }

    /// <summary>The error code of a refusal for too many requests in flight.</summary>
    public const string ConcurrencyCode = "too_many_concurrent_requests";

    public string ClientId { get; }

    /// <summary>Requests of the client this replica may have in flight at once; 0 = no cap.</summary>
    public int MaxConcurrentRequests { get; }

    /// <summary>The client's requests in flight on this replica: from authentication to the end of the response.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The refusal for a request over the cap, built once.</summary>
    internal EarlyRefusal Busy { get; }

    /// <summary>The remembered refusal, or null; may have expired (see <see cref="ClientGates.Enter"/>).</summary>
    internal EarlyRefusal? Refusal => Volatile.Read(ref _refusal);

    /// <summary>Takes an in-flight slot; false (taking none) when the client is at its cap. Give it back with <see cref="Exit"/>.</summary>
    internal bool TryEnter()
    {
        var count = Interlocked.Increment(ref _inFlight);
        if (MaxConcurrentRequests > 0 && count > MaxConcurrentRequests)
        {
            Interlocked.Decrement(ref _inFlight);
            return false;
        }

        return true;
    }

    internal void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Remembers a refusal unless one that holds longer is remembered already.</summary>
    internal void Remember(EarlyRefusal refusal)
    {
        while (true)
        {
            var current = Volatile.Read(ref _refusal);
            if (current is not null && current.UntilMs >= refusal.UntilMs)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _refusal, refusal, current) == current)
            {
                return;
            }
        }
    }

    /// <summary>Forgets <paramref name="expired"/> if it is still the remembered refusal.</summary>
    internal void Forget(EarlyRefusal expired) => Interlocked.CompareExchange(ref _refusal, null, expired);
}
