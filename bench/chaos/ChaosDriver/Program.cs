using System.Globalization;
using System.Text.Json;
using AspireAoai.Bench.Chaos;

// Modes (bench/chaos/run.sh calls each):
//   phase  --phase NAME --seconds N [--hostile N]  load through the OpenAI SDK (and hostile raw requests), then the
//                                                  accounting check; appends one JSON line to --results
//   scan   --dir DIR --canaries a,b,c              counts canary strings in every file of DIR; appends a JSON line
//   report --results FILE --out FILE               the Markdown table; exit 1 when a row fails
var options = Options.Parse(args);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

switch (options.Mode)
{
    case "phase":
        var result = await PhaseRunner.RunAsync(options, stop.Token);
        if (result is null) return 0;
        await File.AppendAllTextAsync(options.Get("results"), JsonSerializer.Serialize(result, ChaosJson.Default.PhaseResult) + "\n");
        Console.Error.WriteLine($"[chaos] {result.Phase}: sent {result.Sent}, ok {result.Ok}, failed {string.Join(", ", result.Failed.Select(f => $"{f.Key}: {f.Value}"))}, p99 {result.P99Ms:F0} ms, events {result.EventsWritten} / accounted {result.Accounted}, exact {result.TotalsExact}, {(result.Pass ? "PASS" : "FAIL")}");
        foreach (var note in result.Notes) Console.Error.WriteLine("[chaos]   " + note);
        return 0;
    case "scan":
        var scan = LogScan.Run(options.Get("dir"), options.Get("canaries").Split(',', StringSplitOptions.RemoveEmptyEntries));
        await File.AppendAllTextAsync(options.Get("results"), JsonSerializer.Serialize(scan, ChaosJson.Default.PhaseResult) + "\n");
        return 0;
    case "report":
        return Report.Write(options.Get("results"), options.Get("out"), options.GetOr("header", ""));
    default:
        Console.Error.WriteLine("usage: ChaosDriver phase|scan|report --key value ...");
        return 2;
}

/// <summary>Command-line options: a mode, then <c>--name value</c> pairs.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public string Mode { get; private init; } = "";

    public static Options Parse(string[] args)
    {
        var options = new Options { Mode = args.Length > 0 ? args[0] : "" };
        for (var i = 1; i + 1 < args.Length; i += 2) options._values[args[i].TrimStart('-')] = args[i + 1];
        return options;
    }

    public string Get(string name) =>
        _values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required");

    public string GetOr(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public int GetInt(string name, int fallback) =>
        _values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public string[] List(string name) => Get(name).Split(',', StringSplitOptions.RemoveEmptyEntries);
}
