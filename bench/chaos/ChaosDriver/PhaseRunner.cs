using StackExchange.Redis;

namespace AspireAoai.Bench.Chaos;

/// <summary>One phase: load (and hostile requests) for its duration while run.sh injects the fault, then the checks.</summary>
internal static class PhaseRunner
{
    public static async Task<PhaseResult?> RunAsync(Options options, CancellationToken cancel)
    {
        var phase = options.Get("phase");
        var gateways = options.List("gateways");
        var keys = options.List("keys");
        var canary = options.Get("canary");
        var redisOptions = ConfigurationOptions.Parse(options.Get("redis"));
        redisOptions.AbortOnConnectFail = false;
        redisOptions.ConnectTimeout = 2000;
        redisOptions.SyncTimeout = 5000;
        using var redis = await ConnectionMultiplexer.ConnectAsync(redisOptions);
        var check = new UsageCheck(redis, gateways, options.Get("admin-key"));

        var startId = await check.StreamStartAsync();
        var before = await check.TotalsAsync(cancel);
        var deadBefore = await check.DeadLetterLengthAsync();
        var records = new List<RequestRecord>();
        var load = new LoadRunner(gateways, keys, canary, options.GetInt("pause-ms", 40));
        var seconds = options.GetInt("seconds", 30);
        using var probeStop = new CancellationTokenSource();
        var probe = new UsageApiProbe(gateways, keys[0]);
        var probing = probe.RunAsync(probeStop.Token);
        var running = load.RunAsync(options.GetInt("concurrency", 6), TimeSpan.FromSeconds(seconds), records, cancel);
        var hostile = new List<RequestRecord>();
        var hostileCount = options.GetInt("hostile", 0);
        if (hostileCount > 0)
        {
            await Task.Delay(1000, cancel);
            var cases = HostileCases.Generate(hostileCount, keys[0], canary, seed: 20);
            await HostileRunner.RunAsync(cases, gateways.Select(g => new Uri(g)).ToArray(), 8, hostile);
        }

        await running;
        await probeStop.CancelAsync();
        await probing;
        if (options.GetOr("warmup", "0") == "1")
        {
            Console.Error.WriteLine($"[chaos] warm-up: {records.Count} requests, {records.Count(r => r.Failure is not null)} failed");
            return null;
        }

        Console.Error.WriteLine($"[chaos] {phase}: load done ({records.Count} SDK requests, {hostile.Count} hostile); settling the accounting");
        var result = Summarize(phase, records, hostile);
        var all = new List<RequestRecord>(records);
        all.AddRange(hostile);
        await check.CheckAsync(result, startId, before, deadBefore, all, TimeSpan.FromSeconds(options.GetInt("settle", 90)), cancel);
        Conditions.Judge(result, records, hostile, options);
        probe.Report(result);
        await CheckHealthAsync(result, gateways, phase == "api-kill" ? options.GetInt("killed-replica", 1) : -1, cancel);
        await File.WriteAllTextAsync(Path.Combine(options.Get("work"), $"records-{phase}.json"),
            System.Text.Json.JsonSerializer.Serialize(all, ChaosJson.Default.ListRequestRecord), cancel);
        return result;
    }

    /// <summary>After the fault is over every replica left running must report itself healthy again (its /health).</summary>
    private static async Task CheckHealthAsync(PhaseResult result, string[] gateways, int skip, CancellationToken cancel)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < gateways.Length; i++)
        {
            if (i == skip) continue;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            var healthy = false;
            var last = "";
            while (!healthy && DateTime.UtcNow < deadline)
            {
                try
                {
                    using var response = await http.GetAsync(gateways[i].TrimEnd('/') + "/health", cancel);
                    healthy = response.IsSuccessStatusCode;
                    last = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    last = e.GetType().Name;
                }

                if (!healthy) await Task.Delay(1000, cancel);
            }

            if (!healthy)
            {
                result.Pass = false;
                result.Notes.Add($"replica {i} not healthy 30 s after the phase (last /health: {last})");
            }
        }
    }

    private static PhaseResult Summarize(string phase, List<RequestRecord> records, List<RequestRecord> hostile)
    {
        var result = new PhaseResult { Phase = phase, Sent = records.Count + hostile.Count };
        foreach (var r in records.Concat(hostile))
        {
            var failure = Failure(r);
            if (failure is null) result.Ok++;
            else result.Failed[failure] = result.Failed.GetValueOrDefault(failure) + 1;
        }

        var latencies = records.Select(r => r.LatencyMs).Order().ToArray();
        if (latencies.Length > 0)
        {
            result.P99Ms = latencies[(int)Math.Min(latencies.Length - 1, Math.Ceiling(latencies.Length * 0.99) - 1)];
            result.MaxMs = latencies[^1];
        }

        foreach (var group in records.Where(r => r.Failure is not null).GroupBy(r => $"{r.Failure} {r.Status} {r.Detail}").OrderByDescending(g => g.Count()).Take(5))
        {
            result.Notes.Add($"SDK failure x{group.Count()}: {group.Key}");
        }

        if (hostile.Count > 0)
        {
            result.Notes.Add("hostile answers: " + string.Join(" ", hostile.GroupBy(h => h.Failure ?? h.Status.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}x{g.Count()}")));
            result.Notes.Add("hostile by kind: " + string.Join(" ", hostile.GroupBy(h => h.Kind).Select(g => $"{g.Key}x{g.Count()}")));
            var slow = hostile.Where(h => h.Kind == "slow").Select(h => h.LatencyMs).DefaultIfEmpty(0).Max();
            result.Numbers["slowBodyMaxMs"] = slow;
            result.Numbers["hostileSdkRequests"] = records.Count;
        }

        return result;
    }

    /// <summary>How a request failed from its client's point of view, as a table label; null when it did not.</summary>
    public static string? Failure(RequestRecord r)
    {
        if (r.Kind == "sdk") return r.Failure is null ? null : r.Failure == "http" ? r.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : r.Failure;
        if (r.Failure == "conn" && r.MayGoUnanswered) return null;
        if (r.Failure is not null && r.Failure != "http") return r.Failure;
        if (r.Status >= 500) return r.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return r.ShapeOk ? null : "not OpenAI shape";
    }
}
