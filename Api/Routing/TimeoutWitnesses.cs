namespace AspireAoai.Api.Routing;

/// <summary>
/// Decides when non-streamed timeouts say "this deployment" rather than "this request". A non-streamed answer arrives
/// only once it is fully generated, so one client's long completions time out on a healthy deployment; cooling the
/// deployment for them would let that client take it away from every tenant. A timeout therefore cools the deployment
/// only once <see cref="RoutingOptions.TimeoutCooldownClients"/> distinct clients timed out on it within
/// <see cref="RoutingOptions.TimeoutWindow"/>, with no answer from it in between. Any answer clears the record.
/// </summary>
internal sealed class TimeoutWitnesses
{
    private readonly Lock _lock = new();
    private readonly List<(string Client, DateTimeOffset At)> _witnesses = new(4);
    private int _count;

    /// <summary>Records one client's timeout; true when enough distinct clients saw one within the window to cool the deployment.</summary>
    public bool Record(string clientId, DateTimeOffset now, TimeSpan window, int clientsNeeded)
    {
        lock (_lock)
        {
            var since = now - window;
            _witnesses.RemoveAll(w => w.At < since || string.Equals(w.Client, clientId, StringComparison.Ordinal));
            _witnesses.Add((clientId, now));
            var enough = _witnesses.Count >= clientsNeeded;
            if (enough)
            {
                _witnesses.Clear();
            }

            Volatile.Write(ref _count, _witnesses.Count);
            return enough;
        }
    }

    /// <summary>The deployment answered: earlier timeouts were the requests', not its own. Free when there is nothing to clear.</summary>
    public void Clear()
    {
        if (Volatile.Read(ref _count) == 0)
        {
            return;
        }

        lock (_lock)
        {
            _witnesses.Clear();
            Volatile.Write(ref _count, 0);
        }
    }
}
