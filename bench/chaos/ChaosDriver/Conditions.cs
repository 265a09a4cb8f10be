using System.Text.Json;

namespace AspireAoai.Bench.Chaos;

/// <summary>Each phase's pass condition: written next to its row, and checked here.</summary>
internal static class Conditions
{
    private const string Exact = "totals exact";

    public static void Judge(PhaseResult result, List<RequestRecord> sdk, List<RequestRecord> hostile, Options options)
    {
        var failed = sdk.Count(r => r.Failure is not null);
        var attemptMs = options.GetInt("attempt-timeout-ms", 5000);
        switch (result.Phase)
        {
            case "baseline":
                Set(result, failed == 0 && result.TotalsExact, $"0 failed; {Exact}");
                break;
            case "primary-429":
            case "primary-503":
                Set(result, failed == 0 && result.TotalsExact, $"0 failed (each request fails over to the secondary before its first byte); {Exact}");
                break;
            case "primary-hang":
                // Requests sent before the first timeout could not know; after it, only a probe per replica and cool-down
                // should meet the hung deployment.
                var waited = sdk.Where(r => r.LatencyMs >= attemptMs).OrderBy(r => r.StartMs).ToList();
                var late = waited.Count(r => r.StartMs >= waited[0].StartMs + attemptMs);
                var cycles = (int)Math.Ceiling(options.GetInt("fault-seconds", 24) * 1000.0 / (options.GetInt("cooldown-ms", 10_000) + attemptMs));
                var allowed = options.List("gateways").Length * cycles;
                result.Numbers["waitedAttemptTimeout"] = waited.Count;
                result.Numbers["waitedAfterFirstTimeout"] = late;
                result.Notes.Add($"{waited.Count} requests waited the attempt timeout, {late} of them sent after the first timeout (allowed {allowed})");
                Set(result, failed == 0 && result.MaxMs <= attemptMs + 2000 && late <= allowed && result.TotalsExact,
                    $"0 failed; no request waits longer than the attempt timeout ({attemptMs / 1000} s) + 2 s; once the primary has timed out, at most one request per replica and cool-down (its probe) waits for it ({allowed} here); {Exact}");
                break;
            case "midstream-cut":
                var cuts = options.GetInt("cuts", 0);
                var onlyCuts = sdk.Where(r => r.Failure is not null).All(r => r.Failure == "broken" || r.Status == 502);
                Set(result, onlyCuts && failed <= cuts && result.TotalsExact,
                    $"only cut answers fail (at most the {cuts} cuts injected; a cut stream breaks, it cannot fail over after its first byte); each is accounted once, a stream as estimated; {Exact}");
                break;
            case "redis-restart":
                var bound = Baseline(options, "maxMs") + 1000;
                Set(result, failed == 0 && result.MaxMs <= bound && result.TotalsExact,
                    $"0 failed, 0 5xx (fail-open, no budgeted key); no request waits longer than baseline max + 1 s ({bound / 1000:F1} s: the 250 ms Redis timeout, then the breaker); events queued while down written after; {Exact}");
                break;
            case "cosmos-restart":
                Set(result, failed == 0 && result.TotalsExact, $"0 failed (Cosmos holds only the cache and the totals); the Worker catches up after the restart; {Exact}");
                break;
            case "worker-kill":
                Set(result, failed == 0 && result.TotalsExact, $"0 failed; after 2 SIGKILLs the next Worker claims the pending entries; {Exact}, nothing applied twice");
                break;
            case "api-kill":
                var killed = options.GetInt("killed-replica", 1);
                var onlyKilled = sdk.Where(r => r.Failure is not null).All(r => r.Replica == killed && r.Failure is "conn" or "broken");
                var inFlight = sdk.Count(r => r.Replica == killed && r.Failure is "conn" or "broken");
                result.Numbers["killedInFlight"] = inFlight;
                result.Notes.Add($"requests failed on the killed replica (in flight at the kill or sent before the client noticed): {inFlight}");
                Set(result, onlyKilled && result.TotalsExact,
                    $"only requests on the SIGKILLed replica fail (connection errors), the load moves to the survivor; every answered request accounted once; {Exact}");
                break;
            case "hostile":
                var hostileFailed = hostile.Count(h => PhaseRunner.Failure(h) is not null);
                Set(result, hostileFailed == 0 && failed == 0 && result.TotalsExact,
                    $"{hostile.Count} hostile requests: 0 5xx, every gateway error in the OpenAI shape, each answered within 20 s (slow bodies cut by the body-rate rule); the SDK load beside them 0 failed; {Exact}");
                break;
            default:
                Set(result, failed == 0 && result.TotalsExact, $"0 failed; {Exact}");
                break;
        }
    }

    private static void Set(PhaseResult result, bool pass, string condition)
    {
        result.Pass = pass;
        result.Condition = condition;
    }

    private static double Baseline(Options options, string number)
    {
        foreach (var line in File.ReadLines(options.Get("results")))
        {
            var row = JsonSerializer.Deserialize(line, ChaosJson.Default.PhaseResult);
            if (row?.Phase == "baseline") return number == "maxMs" ? row.MaxMs : row.Numbers.GetValueOrDefault(number);
        }

        return 0;
    }
}
