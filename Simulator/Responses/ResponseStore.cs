using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AspireAoai.Simulator.Responses;

/// <summary>The <c>Simulator:Responses</c> configuration section.</summary>
public sealed class ResponsesOptions
{
    public const string SectionName = "Simulator:Responses";

    /// <summary>Stored responses kept at most; the least recently used goes first.</summary>
    [Range(1, 10_000_000)]
    public int MaxStored { get; set; } = 10_000;

    /// <summary>How long a stored response lives: upstream keeps them 30 days.</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 30;
}

/// <summary>
/// The stored responses of this simulator instance (one Azure resource): bounded, least recently used first out,
/// each expiring after the retention. A lock around a dictionary and a list: a Responses call does far more
/// work than this, and the simulator is not the thing being measured.
/// </summary>
internal sealed class ResponseStore(TimeProvider time, IOptions<ResponsesOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _byId = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new();
    private readonly int _max = options.Value.MaxStored;
    private readonly TimeSpan _retention = TimeSpan.FromDays(options.Value.RetentionDays);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count;
            }
        }
    }

    public void Add(StoredResponse response)
    {
        var entry = new Entry(response, time.GetUtcNow() + _retention);
        lock (_lock)
        {
            if (_byId.Remove(response.Id, out var old))
            {
                _recency.Remove(old);
            }

            _byId[response.Id] = _recency.AddFirst(entry);
            while (_byId.Count > _max)
            {
                var last = _recency.Last!;
                _recency.RemoveLast();
                _byId.Remove(last.Value.Response.Id);
            }
        }
    }

    public bool TryGet(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StoredResponse? response)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_byId.TryGetValue(id, out var node))
            {
                if (now < node.Value.ExpiresAt)
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                    response = node.Value.Response;
                    return true;
                }

                _recency.Remove(node);
                _byId.Remove(id);
            }
        }

        response = null;
        return false;
    }

    public bool Remove(string id)
    {
        if (!TryGet(id, out _))
        {
            return false;
        }

        lock (_lock)
        {
            if (_byId.Remove(id, out var node))
            {
                _recency.Remove(node);
                return true;
            }
        }

        return false;
    }

    public void Clear()
    {
        lock (_lock)
        {
            _byId.Clear();
            _recency.Clear();
        }
    }

    private sealed record Entry(StoredResponse Response, DateTimeOffset ExpiresAt);
}
