using System.Collections.Concurrent;
using System.Net;
using AspireAoai.ServiceDefaults.Cosmos;
using AspireAoai.Worker.Hosting;
using AspireAoai.Worker.Telemetry;
using AspireAoai.Worker.Usage;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace AspireAoai.Worker.Aggregation;

/// <summary>
/// Read-modify-write on the <c>costs</c> container: create (409 when someone else created it first) or replace
/// with If-Match (412 when someone else changed it). The last written version of each document is kept in
/// memory with its etag, so a replica that owns a client's traffic writes without reading first; a stale
/// entry only costs a 412 and a re-read.
/// </summary>
public sealed class AggregateStore(AoaiContainers containers, IOptions<WorkerOptions> options, TimeProvider time, DailySpend dailySpend) : IAggregateStore
{
    private readonly ConcurrentDictionary<(string Pk, string Id), (AggregateDocument Doc, string ETag)> _cache = new();
    private readonly int _maxAttempts = options.Value.MaxWriteAttempts;
    private readonly int _cacheSize = options.Value.DocumentCacheSize;

    public async Task<IReadOnlyList<AppliedEvent>> ApplyAsync(AggregateKey key, IReadOnlyList<AppliedEvent> events, StreamId horizon, CancellationToken cancellationToken)
    {
        var container = containers.Costs;
        var pk = new PartitionKey(key.ClientId);
        var cacheKey = (key.ClientId, key.Id);
        for (var attempt = 1; ; attempt++)
        {
            // Taken out while we work on it: the object is mutated, and only a successful write puts it back.
            var known = _cache.TryRemove(cacheKey, out var cached) ? cached : await ReadAsync(container, key, pk, cancellationToken).ConfigureAwait(false);
            var doc = known?.Doc ?? AggregateDocument.Create(key);
            var added = doc.Apply(events, horizon, time.GetUtcNow());
            if (added.Count == 0 && known is { } unchanged)
            {
                Remember(cacheKey, unchanged.Doc, unchanged.ETag);
                dailySpend.Record(unchanged.Doc);
                return added; // a redelivery: everything is already in the totals
            }

            try
            {
                var response = known is { } k
                    ? await container.ReplaceItemAsync(doc, key.Id, pk, new ItemRequestOptions { IfMatchEtag = k.ETag, EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false)
                    : await container.CreateItemAsync(doc, pk, new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false);
                Remember(cacheKey, doc, response.ETag);
                dailySpend.Record(doc);
                return added;
            }
            catch (CosmosException ex) when (CosmosNotFound.IsOwnerMissing(ex, known is null ? CosmosNotFound.Operation.OwnerOnly : CosmosNotFound.Operation.Item))
            {
                // A create cannot miss its item, and a replace says so with sub-status 1003: the container (or database) is
                // gone. Nothing here is written, so the batch stays unacknowledged until it is back.
                throw ContainerMissing(ex);
            }
            catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict or HttpStatusCode.NotFound
                                             && attempt < _maxAttempts)
            {
                // Another replica wrote first (or the document vanished): read again and re-apply; the ids
                // in the fresh copy decide what is still missing.
                _cache.TryRemove(cacheKey, out _);
                if (attempt > 2)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)), time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task<(AggregateDocument Doc, string ETag)?> ReadAsync(Container container, AggregateKey key, PartitionKey pk, CancellationToken ct)
    {
        try
        {
            var response = await container.ReadItemAsync<AggregateDocument>(key.Id, pk, cancellationToken: ct).ConfigureAwait(false);
            return (response.Resource, response.ETag);
        }
        catch (CosmosException ex) when (CosmosNotFound.IsOwnerMissing(ex, CosmosNotFound.Operation.Item))
        {
            throw ContainerMissing(ex);
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private CostsContainerMissingException ContainerMissing(CosmosException ex)
    {
        // What we remember came from the container that is gone.
        _cache.Clear();
        containers.ReportMissing(containers.Costs);
        return new CostsContainerMissingException(ex);
    }

    private void Remember((string, string) cacheKey, AggregateDocument doc, string etag)
    {
        if (_cacheSize == 0 || string.IsNullOrEmpty(etag)) return;
        if (_cache.Count >= _cacheSize) _cache.Clear(); // crude but bounded; a miss only costs a read
        _cache[cacheKey] = (doc, etag);
    }
}
