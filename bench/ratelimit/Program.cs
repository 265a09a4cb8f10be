using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using AspireAoai.Api;
using AspireAoai.Api.Auth;
using AspireAoai.Simulator;
using AspireAoai.TestSupport;
using Microsoft.AspNetCore.Builder;
using StackExchange.Redis;

// Drives N gateway replicas (in-process, one shared redis-server) against the fixed-answer simulator with a concurrent
// flood for a few windows, then reports the tokens admitted in each 60 s window against the client's TPM limit,
// admissions per second, and Redis round trips per request (INFO commandstats).
var settings = Settings.Parse(args);
Console.WriteLine($"replicas={settings.Replicas} tpm={settings.Tpm} windows={settings.Windows} concurrency={settings.Concurrency}");

await using var redis = await RedisServer.StartAsync();
var simulator = SimulatorApp.Build(["--urls=http://127.0.0.1:0", "--Simulator:FixedAnswer=true", "--Logging:LogLevel:Default=Warning"]);
await simulator.StartAsync();
var simulatorUrl = simulator.Urls.First();

const string Key = "bench-client-key";
var replicas = new List<WebApplication>();
for (var i = 0; i < settings.Replicas; i++)
{
    var app = GatewayApp.Build(
    [
        "--urls=http://127.0.0.1:0",
        "--Logging:LogLevel:Default=Warning",
        $"--ConnectionStrings:redis={redis.ConnectionString}",
        "--Gateway:Clients:0:Id=bench",
        $"--Gateway:Clients:0:KeyHash={KeyHasher.HashHex(Key)}",
        $"--Gateway:Clients:0:Tpm={settings.Tpm}",
        "--Gateway:Deployments:0:Name=sim-gpt-4o",
        $"--Gateway:Deployments:0:Endpoint={simulatorUrl}",
        "--Gateway:Deployments:0:Deployment=gpt-4o",
        "--Gateway:Deployments:0:Model=gpt-4o",
        "--Gateway:Deployments:0:ApiKey=sim",
        .. settings.Extra,
    ]);
    await app.StartAsync();
    replicas.Add(app);
}

await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
var server = mux.GetServer(mux.GetEndPoints()[0]);

// Warm up each replica (tokenizer, connections), then clear the window and the counters.
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { Timeout = TimeSpan.FromSeconds(30) };
http.DefaultRequestHeaders.Add("api-key", Key);
const string Body = """{"model":"gpt-4o","messages":[{"role":"user","content":"Benchmark prompt: please answer with the fixed reply of the simulator, thank you."}],"max_tokens":18}""";
foreach (var app in replicas)
{
    using var warm = await http.PostAsync(app.Urls.First() + "/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"));
}

await Task.Delay(1500);
await mux.GetDatabase().KeyDeleteAsync("aoai:rl:client:bench");
await server.ExecuteAsync("CONFIG", "RESETSTAT");

var duration = TimeSpan.FromMinutes(settings.Windows);
var windows = new long[settings.Windows + 1];
long ok = 0, limited = 0, other = 0, maxLatencyMs = 0;
var clock = Stopwatch.StartNew();
var workers = new Task[settings.Concurrency];
for (var w = 0; w < workers.Length; w++)
{
    var url = replicas[w % replicas.Count].Urls.First() + "/v1/chat/completions";
    workers[w] = Task.Run(async () =>
    {
        while (clock.Elapsed < duration)
        {
            var started = clock.Elapsed;
            using var response = await http.PostAsync(url, new StringContent(Body, Encoding.UTF8, "application/json"));
            var body = await response.Content.ReadAsStringAsync();
            var latency = (long)(clock.Elapsed - started).TotalMilliseconds;
            InterlockedMax(ref maxLatencyMs, latency);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Interlocked.Increment(ref ok);
                using var doc = JsonDocument.Parse(body);
                var tokens = doc.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt64();
                Interlocked.Add(ref windows[(int)(started.TotalSeconds / 60)], tokens);
            }
            else if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Interlocked.Increment(ref limited);
            }
            else
            {
                Interlocked.Increment(ref other);
            }
        }
    });
}

await Task.WhenAll(workers);
var elapsed = clock.Elapsed.TotalSeconds;
var stats = (string?)await server.ExecuteAsync("INFO", "commandstats") ?? "";
var evalsha = CommandCalls(stats, "evalsha");
var all = CommandCalls(stats, null);

Console.WriteLine();
Console.WriteLine("window  admitted_tokens  of_limit");
for (var i = 0; i < settings.Windows; i++)
{
    Console.WriteLine($"{i,6}  {windows[i],15}  {100.0 * windows[i] / settings.Tpm,7:F2}%");
}

Console.WriteLine();
Console.WriteLine($"requests: {ok + limited + other} ({ok} admitted, {limited} refused with 429, {other} other)");
Console.WriteLine($"decisions per second: {(ok + limited) / elapsed:F0}; admissions per second: {ok / elapsed:F1}; slowest response: {maxLatencyMs} ms");
Console.WriteLine($"redis: {evalsha} EVALSHA = {(double)evalsha / Math.Max(1, ok + limited):F3} round trips per request; {all - evalsha} commands run inside the script ({(double)(all - evalsha) / Math.Max(1, ok + limited):F1} per request)");

foreach (var app in replicas)
{
    await app.StopAsync();
    await app.DisposeAsync();
}

await simulator.StopAsync();
await simulator.DisposeAsync();
return other == 0 ? 0 : 1;

static long CommandCalls(string info, string? command)
{
    long total = 0;
    foreach (var line in info.Split('\n'))
    {
        if (!line.StartsWith("cmdstat_", StringComparison.Ordinal) || (command is not null && !line.StartsWith("cmdstat_" + command + ":", StringComparison.Ordinal)))
        {
            continue;
        }

        var calls = line[(line.IndexOf("calls=", StringComparison.Ordinal) + 6)..];
        total += long.Parse(calls[..calls.IndexOf(',')], CultureInfo.InvariantCulture);
    }

    return total;
}

static void InterlockedMax(ref long target, long value)
{
    var current = Interlocked.Read(ref target);
    while (value > current)
    {
        var seen = Interlocked.CompareExchange(ref target, value, current);
        if (seen == current)
        {
            return;
        }

        current = seen;
    }
}

internal sealed record Settings(int Replicas, int Tpm, int Windows, int Concurrency, string[] Extra)
{
    public static Settings Parse(string[] args)
    {
        int replicas = 4, tpm = 60_000, windows = 2, concurrency = 64;
        var extra = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--replicas": replicas = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--tpm": tpm = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--windows": windows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--concurrency": concurrency = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: extra.Add(args[i]); break;
            }
        }

        return new Settings(replicas, tpm, windows, concurrency, [.. extra]);
    }
}
