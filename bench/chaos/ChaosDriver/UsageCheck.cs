using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using AspireAoai.Accounting.Pricing;
using AspireAoai.Accounting.Usage;
using StackExchange.Redis;

namespace AspireAoai.Bench.Chaos;

/// <summary>The usage API's grand totals (<c>GET /admin/usage</c>).</summary>
internal sealed record Totals(long Requests, long Input, long Output, long EstimatedRequests, long EstimatedInput, long EstimatedOutput, decimal Cost);

/// <summary>
/// After a phase: waits until every usage event is in the stream and the Worker has applied them, then checks the
/// three views against each other and against what the clients saw: the events written in the phase's window of
/// <c>aoai:usage</c>, the usage API's totals (what the Worker aggregated), and each client's answer (its request id
/// and the usage it carried).
/// </summary>
internal sealed class UsageCheck(IConnectionMultiplexer redis, string[] gateways, string adminKey)
{
    private static readonly PriceTable Prices = CreatePrices();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(15) };

    private static PriceTable CreatePrices()
    {
        var options = new PricingOptions();
        Microsoft.Extensions.DependencyInjection.PricingServiceCollectionExtensions.MergeDefaults(options);
        return new PriceTable(options);
    }

    public async Task<string> StreamStartAsync()
    {
        var time = await redis.GetDatabase().ExecuteAsync("TIME");
        var parts = (RedisResult[])time!;
        return $"{(long)parts[0] * 1000 + (long)parts[1] / 1000}-0";
    }

    public async Task<Totals> TotalsAsync(CancellationToken cancel)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 60 && !cancel.IsCancellationRequested; attempt++)
        {
            foreach (var gateway in gateways)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, gateway.TrimEnd('/') + "/admin/usage");
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
                    using var response = await _http.SendAsync(request, cancel);
                    if (!response.IsSuccessStatusCode) throw new HttpRequestException($"admin usage {(int)response.StatusCode}");
                    using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
                    var t = doc.RootElement.GetProperty("totals");
                    var cost = t.GetProperty("cost").ValueKind == JsonValueKind.String
                        ? decimal.Parse(t.GetProperty("cost").GetString()!, CultureInfo.InvariantCulture) : 0m;
                    return new Totals(t.GetProperty("requests").GetInt64(), t.GetProperty("inputTokens").GetInt64(),
                        t.GetProperty("outputTokens").GetInt64(), t.GetProperty("estimatedRequests").GetInt64(),
                        t.GetProperty("estimatedInputTokens").GetInt64(), t.GetProperty("estimatedOutputTokens").GetInt64(), cost);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
                {
                    last = e;
                }
            }

            await Task.Delay(1000, cancel);
        }

        throw new InvalidOperationException("the usage API did not answer", last);
    }

    /// <summary>Polls until the views agree (or the deadline passes), then records what they say.</summary>
    public async Task CheckAsync(PhaseResult result, string startId, Totals before, long deadBefore, List<RequestRecord> records,
        TimeSpan settle, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + settle;
        List<UsageEvent> events = [];
        Totals after = before;
        var drained = false;
        while (true)
        {
            try
            {
                events = await ReadEventsAsync(startId);
                drained = await DrainedAsync();
                after = await TotalsAsync(cancel);
                if (drained && after.Requests - before.Requests == events.Count && Missing(records, events) == 0) break;
            }
            catch (Exception e) when (e is RedisException or InvalidOperationException)
            {
                result.Notes.Add("while settling: " + e.GetType().Name);
            }

            if (DateTime.UtcNow > deadline) break;
            await Task.Delay(1000, cancel);
        }

        Compare(result, events, before, after, records, drained);
        var dead = await redis.GetDatabase().StreamLengthAsync(UsageStream.DeadLetterKey);
        if (dead != deadBefore)
        {
            result.TotalsExact = false;
            result.Notes.Add($"{dead - deadBefore} entries dead-lettered");
        }
    }

    public async Task<long> DeadLetterLengthAsync() => await redis.GetDatabase().StreamLengthAsync(UsageStream.DeadLetterKey);

    private async Task<List<UsageEvent>> ReadEventsAsync(string startId)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(UsageStream.Key, startId, "+");
        var events = new List<UsageEvent>();
        foreach (var entry in entries)
        {
            if (!UsageEventCodec.TryParse(entry, events, out var error)) throw new InvalidOperationException("unreadable usage entry: " + error);
        }

        return events;
    }

    private async Task<bool> DrainedAsync()
    {
        var db = redis.GetDatabase();
        var info = await db.StreamInfoAsync(UsageStream.Key);
        foreach (var group in await db.StreamGroupInfoAsync(UsageStream.Key))
        {
            if (group.Name == UsageStream.ConsumerGroup)
            {
                return group.PendingMessageCount == 0 && group.LastDeliveredId == info.LastGeneratedId;
            }
        }

        return false;
    }

    /// <summary>Requests the client got an answer for that must have an event: every SDK request that got a status.</summary>
    private static bool NeedsEvent(RequestRecord r) => r.RequestId is not null && r.Status > 0 && (r.Kind == "sdk" || r.Status < 300);

    private static int Missing(List<RequestRecord> records, List<UsageEvent> events)
    {
        var ids = new HashSet<string>(events.Select(e => e.RequestId), StringComparer.Ordinal);
        lock (records) return records.Count(r => NeedsEvent(r) && !ids.Contains(r.RequestId!));
    }

    private static void Compare(PhaseResult result, List<UsageEvent> events, Totals before, Totals after, List<RequestRecord> records, bool drained)
    {
        result.EventsWritten = events.Count;
        result.Accounted = after.Requests - before.Requests;
        var problems = new List<string>();
        if (!drained) problems.Add("the Worker had not drained the stream");
        long inSum = 0, outSum = 0, estIn = 0, estOut = 0, est = 0;
        var cost = 0m;
        var byId = new Dictionary<string, List<UsageEvent>>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            inSum += e.InputTokens;
            outSum += e.OutputTokens;
            if (e.Estimated) { est++; estIn += e.InputTokens; estOut += e.OutputTokens; }
            cost += CostCalculator.Calculate(e, Prices).Cost ?? 0m;
            if (!byId.TryGetValue(e.RequestId, out var list)) byId[e.RequestId] = list = [];
            list.Add(e);
        }

        if (result.Accounted != events.Count) problems.Add($"usage API counted {result.Accounted} requests for {events.Count} events");
        if (after.Input - before.Input != inSum || after.Output - before.Output != outSum)
            problems.Add($"usage API tokens {after.Input - before.Input}/{after.Output - before.Output} vs events {inSum}/{outSum}");
        if (after.EstimatedRequests - before.EstimatedRequests != est) problems.Add("estimated requests differ from the events");
        if (after.Cost - before.Cost != cost) problems.Add($"usage API cost {after.Cost - before.Cost} vs events priced {cost}");

        int missing = 0, duplicated = 0, mismatched = 0, seen = 0;
        long seenIn = 0, seenOut = 0;
        var clientIds = new HashSet<string>(StringComparer.Ordinal);
        lock (records)
        {
            foreach (var r in records)
            {
                if (r.RequestId is null) continue;
                clientIds.Add(r.RequestId);
                byId.TryGetValue(r.RequestId, out var matched);
                if (matched is null) { if (NeedsEvent(r)) missing++; continue; }
                if (matched.Count > 1) duplicated++;
                if (r.InputTokens is { } input)
                {
                    seen++;
                    seenIn += input;
                    seenOut += r.OutputTokens ?? 0;
                    var e = matched[0];
                    if (e.Estimated || e.InputTokens != input || e.OutputTokens != r.OutputTokens) mismatched++;
                }
            }
        }

        var orphans = events.Where(e => !clientIds.Contains(e.RequestId)).ToList();
        if (missing > 0) problems.Add($"{missing} answered requests have no usage event");
        if (duplicated > 0) problems.Add($"{duplicated} requests have more than one event");
        if (mismatched > 0) problems.Add($"{mismatched} events differ from the usage the client saw");
        if (orphans.Count > 0)
        {
            result.Notes.Add($"{orphans.Count} events of requests the client got no answer id for ({orphans.Count(o => o.InputTokens + o.OutputTokens > 0)} with tokens, statuses {string.Join(" ", orphans.GroupBy(o => o.Status).Select(g => $"{g.Key}x{g.Count()}"))})");
        }

        result.Numbers["clientSeenInput"] = seenIn;
        result.Numbers["clientSeenOutput"] = seenOut;
        result.Numbers["clientSeenResponses"] = seen;
        result.Numbers["estimatedEvents"] = est;
        result.Numbers["estimatedInput"] = estIn;
        result.Numbers["estimatedOutput"] = estOut;
        result.Numbers["orphanEvents"] = orphans.Count;
        result.Notes.Add($"clients saw {seenIn}/{seenOut} tokens in {seen} answers; events {inSum}/{outSum}, of which estimated {estIn}/{estOut} in {est} events; API delta {after.Input - before.Input}/{after.Output - before.Output}, cost {after.Cost - before.Cost}");
        result.Notes.AddRange(problems);
        result.TotalsExact = problems.Count == 0;
    }
}
