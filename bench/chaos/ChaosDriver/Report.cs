using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AspireAoai.Bench.Chaos;

/// <summary>Renders results.jsonl as the Markdown table; exit code 1 when any row failed.</summary>
internal static class Report
{
    public static int Write(string resultsFile, string outFile, string header)
    {
        var rows = File.ReadLines(resultsFile).Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize(l, ChaosJson.Default.PhaseResult)!).ToList();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Chaos run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        if (header.Length > 0) text.AppendLine(header).AppendLine();
        text.AppendLine("| phase | sent | ok | failed by status | p99 ms | events written / accounted | totals exact | result | pass condition |");
        text.AppendLine("|---|---:|---:|---|---:|---:|---|---|---|");
        foreach (var r in rows)
        {
            var failed = r.Failed.Count == 0 ? "-" : string.Join(", ", r.Failed.Select(f => $"{f.Key}: {f.Value}"));
            var events = r.Phase == "log-scan" ? "-" : $"{r.EventsWritten} / {r.Accounted}";
            var exact = r.Phase == "log-scan" ? "-" : r.TotalsExact ? "yes" : "**no**";
            var sent = r.Phase == "log-scan" ? $"{r.Sent} lines" : r.Sent.ToString(CultureInfo.InvariantCulture);
            var ok = r.Phase == "log-scan" ? $"{r.Numbers.GetValueOrDefault("hits")} hits" : r.Ok.ToString(CultureInfo.InvariantCulture);
            var p99 = r.Phase == "log-scan" ? "-" : r.P99Ms.ToString("F0", CultureInfo.InvariantCulture);
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Phase} | {sent} | {ok} | {failed} | {p99} | {events} | {exact} | {(r.Pass ? "PASS" : "**FAIL**")} | {r.Condition} |");
        }

        text.AppendLine().AppendLine("Notes per phase:").AppendLine();
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- **{r.Phase}** (max {r.MaxMs:F0} ms): {string.Join("; ", r.Notes)}");
        }

        var failedRows = rows.Count(r => !r.Pass);
        text.AppendLine().AppendLine(failedRows == 0 ? "Every row passed." : $"{failedRows} row(s) failed.");
        File.WriteAllText(outFile, text.ToString());
        Console.Out.Write(text.ToString());
        return failedRows == 0 ? 0 : 1;
    }
}
