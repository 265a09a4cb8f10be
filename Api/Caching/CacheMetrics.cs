using System.Diagnostics.Metrics;

namespace AspireAoai.Api.Caching;

/// <summary>
/// The cache's metrics (Meter <c>AspireAoai.Cache</c>): hits, misses by reason, store errors and timeouts,
/// lookup latency, tokens saved, and what happened to each answer offered for storing.
/// </summary>
public sealed class CacheMetrics : IDisposable
{
    /// <summary>Name of the Meter.</summary>
    public const string MeterName = "AspireAoai.Cache";

    private readonly Meter _meter;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _stores;
    private readonly Counter<long> _tokensSaved;
    private readonly Histogram<double> _lookupDuration;
    private readonly Counter<long> _levels;
    private readonly Counter<long> _coalesced;

    public CacheMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _hits = _meter.CreateCounter<long>("aoai.cache.hits", "{request}", "Requests answered from the cache.");
        _misses = _meter.CreateCounter<long>("aoai.cache.misses", "{request}",
            "Cacheable requests answered upstream, by aoai.cache.reason (not_found, expired, stale, no_usage, no_cache, no_store, unavailable, error, timeout).");
        _errors = _meter.CreateCounter<long>("aoai.cache.errors", "{error}",
            "Cache store failures by aoai.cache.operation (lookup, store) and error.type (timeout, error); never seen by clients.");
        _stores = _meter.CreateCounter<long>("aoai.cache.stores", "{response}",
            "Answers offered for storing, by aoai.cache.result (stored, or why not: status, finish_reason, tool_calls, too_large, dropped, ...).");
        _tokensSaved = _meter.CreateCounter<long>("aoai.cache.tokens_saved", "{token}",
            "Tokens a hit did not spend upstream, by gen_ai.token.type (input, output).");
        _lookupDuration = _meter.CreateHistogram("aoai.cache.lookup.duration", "s", "Time of one cache lookup, found or not.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1] });
        _levels = _meter.CreateCounter<long>("aoai.cache.level.reads", "{read}",
            "Lookups by the level that answered: aoai.cache.level memory (in-process, no network) or store (Cosmos DB), and aoai.cache.result.");
        _coalesced = _meter.CreateCounter<long>("aoai.cache.coalesced", "{request}",
            "Identical concurrent misses that waited for the first one's answer instead of going upstream, by aoai.cache.result (hit, miss, timeout).");
    }

    internal void Level(string level, string result) => _levels.Add(1, new("aoai.cache.level", level), new("aoai.cache.result", result));

    internal void Coalesced(string result) => _coalesced.Add(1, new KeyValuePair<string, object?>("aoai.cache.result", result));

    internal void Hit(string model, int inputTokens, int outputTokens)
    {
        var modelTag = new KeyValuePair<string, object?>("gen_ai.request.model", model);
        _hits.Add(1, modelTag);
        if (inputTokens > 0)
        {
            _tokensSaved.Add(inputTokens, modelTag, new("gen_ai.token.type", "input"));
        }

        if (outputTokens > 0)
        {
            _tokensSaved.Add(outputTokens, modelTag, new("gen_ai.token.type", "output"));
        }
    }

    internal void Miss(string reason) => _misses.Add(1, new KeyValuePair<string, object?>("aoai.cache.reason", reason));

    internal void Error(string operation, string type)
        => _errors.Add(1, new("aoai.cache.operation", operation), new("error.type", type));

    internal void Store(string result) => _stores.Add(1, new KeyValuePair<string, object?>("aoai.cache.result", result));

    internal void LookupDuration(TimeSpan elapsed, string result)
        => _lookupDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("aoai.cache.result", result));

    public void Dispose() => _meter.Dispose();
}
