namespace AspireAoai.Api.Caching;

/// <summary>Stampede protection in the lookup (<see cref="MissCoalescer"/>).</summary>
internal sealed partial class ResponseCache
{
    /// <summary>
    /// After a miss: leads the request's slot (it goes upstream; true is never returned then), or waits for the request
    /// that leads it and answers from the cache once that one's answer is stored. False sends the request upstream.
    /// </summary>
    private async ValueTask<bool> WaitForLeaderAsync(GatewayRequest request, CacheRequest plan, CancellationToken cancellationToken)
    {
        var slot = MissCoalescer.Slot(plan);
        if (_coalescer.TryLead(slot, out var leader))
        {
            plan.CoalesceSlot = slot;
            return false;
        }

        try
        {
            await leader.WaitAsync(_coalescer.Wait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _metrics.Coalesced("timeout");
            return false;
        }

        var (entry, age) = await LookupAsync(plan, cancellationToken).ConfigureAwait(false);
        if (entry is not null && await TryWriteHitAsync(request, plan, entry, age, cancellationToken).ConfigureAwait(false))
        {
            _metrics.Coalesced("hit");
            return true;
        }

        _metrics.Coalesced("miss");
        return false;
    }
}
