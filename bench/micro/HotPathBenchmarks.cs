using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AspireAoai.Api;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Routing;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Api.Micro;

/// <summary>
/// The per-request steps of the gateway before forwarding, with the bodies and configuration of bench/run.sh:
/// parsing, client key hashing and lookup, token estimation, routing, building the limiter script's arguments,
/// and (against a private redis-server on a free loopback port, when one is installed) the whole admission call.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private const string Model = "gpt-4o-mini";
    private const string Messages = """[{"role":"system","content":"You are a concise assistant for an engineering team."},{"role":"user","content":"In one sentence, why does every production service want a gateway in front of its model API?"}]""";
    private const string ClientKey = "bench-client-key-0123456789abcdef";

    private readonly byte[] _body = Encoding.UTF8.GetBytes($$"""{"model":"{{Model}}","messages":{{Messages}},"temperature":0.7,"max_tokens":100}""");
    private readonly byte[] _largeBody = LargeBody(Apis.GatewayHandler.InlineBodyBytes);
    private DefaultHttpContext _http = null!;
    private KeyHashClientAuthenticator _auth = null!;
    private TokenEstimator _estimator = null!;
    private DeploymentPool _pool = null!;
    private IDeploymentCapacity _capacity = null!;
    private GatewayRequest _request = null!;
    private ClientLimiter _limiter = null!;
    private ClientLimits _clientLimits = null!;
    private ClientLimits _budgetLimits = null!;
    private ClientLimits _groupLimits = null!;
    private DeploymentLimits[] _deploymentLimits = null!;
    private RateLimitAdmission _admission = null!;
    private RedisLimitConnection _redis = null!;
    private ConnectionMultiplexer? _multiplexer;
    private Process? _redisServer;
    private IDatabase? _database;
    private byte[]? _sha;

    [GlobalSetup]
    public void Setup()
    {
        var time = TimeProvider.System;
        var client = new ClientOptions { Id = "bench", KeyHash = KeyHasher.HashHex(ClientKey) };
        var auth = Options.Create(new GatewayAuthOptions { Clients = [client] });
        _auth = new KeyHashClientAuthenticator(auth);

        var deployment = new DeploymentOptions
        {
            Name = "bench-local", Endpoint = "http://127.0.0.1:9/", Deployment = Model, Model = Model, Region = "bench",
            Priority = 1, Weight = 1, ApiKey = "bench-simulator-key", CapacityTpm = 2_000_000_000, CapacityRpm = 2_000_000_000,
        };
        var upstream = Options.Create(new UpstreamOptions { Deployments = [deployment] });
        var catalog = new DeploymentCatalog(upstream, new UpstreamAuthenticatorFactory(new ServiceCollection().BuildServiceProvider()));
        catalog.TryGetPool(Model, out _pool);

        var rateOptions = Options.Create(new RateLimitOptions());
        var clientLimits = Options.Create(new ClientRateLimitsOptions
        {
            Clients = [new ClientRateLimitOptions { Id = "bench", Rpm = 2_000_000_000, Tpm = 2_000_000_000 }],
        });
        var limits = new LimitCatalog(rateOptions, clientLimits, upstream, new BudgetCatalog(auth));
        _clientLimits = limits.ForClient("bench");
        _deploymentLimits = limits.ForPool(_pool);
        _capacity = new DeploymentCapacity(limits, time);
        _estimator = new TokenEstimator(rateOptions);
        TokenEstimator.WarmUp();

        _redisServer = StartRedis(out var port);
        _multiplexer = port is null ? null : ConnectionMultiplexer.Connect($"127.0.0.1:{port}");
        _redis = new RedisLimitConnection(() => _multiplexer, rateOptions, time, NullLogger<RedisLimitConnection>.Instance);
        _redis.StartAsync().GetAwaiter().GetResult();
        if (_multiplexer is not null)
        {
            _database = _multiplexer.GetDatabase();
            _sha = Convert.FromHexString((string)_database.Execute("SCRIPT", "LOAD", SlidingWindowScript.Text)!);
        }

        _limiter = new ClientLimiter(_redis, rateOptions, time);
        var budgets = new BudgetMonitor(new BudgetCatalog(auth), time, new ServiceCollection().AddMetrics().BuildServiceProvider()
            .GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), NullLogger<BudgetMonitor>.Instance);
        var pricing = new AspireAoai.Accounting.Pricing.PricingOptions();
        PricingServiceCollectionExtensions.MergeDefaults(pricing);
        var pricer = new BudgetPricer(new AspireAoai.Accounting.Pricing.PriceTable(pricing), Options.Create(new BudgetOptions()));
        _admission = new RateLimitAdmission(limits, _limiter, _estimator, budgets, pricer,
            new ReservationDeadline(Microsoft.Extensions.Options.Options.Create(new BudgetOptions()), time), time, NullLogger<RateLimitAdmission>.Instance);

        // Budgets far above what a run spends (reservations are never settled here: they pile up until they expire).
        var group = new BudgetScope("bench-team", isGroup: true, 1_000_000m, null, 80);
        _budgetLimits = new ClientLimits("bench-budget", 2_000_000_000, 2_000_000_000, 0, 0, 1000, 1,
            new ClientBudget("bench-budget", new BudgetScope("bench-budget", isGroup: false, 1_000_000m, 1_000_000m, 80), null));
        _groupLimits = new ClientLimits("bench-grouped", 2_000_000_000, 2_000_000_000, 0, 0, 1000, 1,
            new ClientBudget("bench-grouped", new BudgetScope("bench-grouped", isGroup: false, 1_000_000m, 1_000_000m, 80), group));

        _http = new DefaultHttpContext();
        _http.Request.Headers["api-key"] = ClientKey;
        var clientContext = _auth.Authenticate(_http.Request) ?? throw new InvalidOperationException("The bench key does not authenticate.");
        RequestParser.TryParse(_body, OperationKind.ChatCompletions, out var parsed, out _);
        _request = new GatewayRequest(_http, clientContext, OperationKind.ChatCompletions, ApiStyle.AzureDeployment, Model, _pool, _body,
            parsed, "2024-10-21", 0);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _multiplexer?.Dispose();
        if (_redisServer is { HasExited: false })
        {
            _redisServer.Kill();
            _redisServer.WaitForExit(5_000);
        }

        _redisServer?.Dispose();
    }

    [Benchmark(Description = "RequestParser.TryParse")]
    public bool Parse() => RequestParser.TryParse(_body, OperationKind.ChatCompletions, out _, out _);

    [Benchmark(Description = "KeyHashClientAuthenticator.Authenticate")]
    public ClientContext? Authenticate() => _auth.Authenticate(_http.Request);

    [Benchmark(Description = "TokenEstimator.Estimate")]
    public long Estimate() => _estimator.Estimate(_request);

    /// <summary>A 32 KB user message (longer than the token-count memo keeps): the cost of the largest body the
    /// gateway will parse and count on a socket event thread (<see cref="Apis.GatewayHandler.InlineBodyBytes"/>).</summary>
    [Benchmark(Description = "TokenEstimator.Estimate (32 KB prompt)")]
    public long EstimateLarge() => _estimator.Estimate(OperationKind.ChatCompletions, Model, _largeBody, 100, null);

    [Benchmark(Description = "DeploymentPool.Select (with capacity)")]
    public Deployment? Select() => _pool.Select(default, DateTimeOffset.UtcNow, Random.Shared, _capacity, _request);

    [Benchmark(Description = "ClientLimiter arguments (rent + return)")]
    public int LimiterArguments()
    {
        var args = _limiter.RentArguments(_clientLimits, _deploymentLimits, 1234, default, out _);
        _limiter.ReturnArguments(args);
        return args.Keys.Length;
    }

    [Benchmark(Description = "RateLimitAdmission.AdmitAsync (local redis)")]
    public async Task<bool> Admit()
    {
        var decision = await _admission.AdmitAsync(_request, CancellationToken.None).ConfigureAwait(false);
        return decision.Admitted;
    }

    [Benchmark(Description = "RequestCharge.WriteHeaders")]
    public void LeaseHeaders()
        => RequestCharge.WriteHeaders(_clientLimits, new LimitResult(true, 0, 0, 12, 3456, 0, 0, 0, 0, LimitSource.Redis), _http.Response.Headers);

    [Benchmark(Description = "RedisLimitConnection.EvaluateAsync (local redis)")]
    public async Task<bool> Evaluate()
    {
        var args = _limiter.RentArguments(_clientLimits, _deploymentLimits, 1, default, out _);
        var result = await _redis.EvaluateAsync(args.Keys, args.Values).ConfigureAwait(false);
        _limiter.ReturnArguments(args);
        return result is not null;
    }

    /// <summary>The same call for a client with a day and month budget: two spend counters read, a reservation made.</summary>
    [Benchmark(Description = "RedisLimitConnection.EvaluateAsync, budgeted client (local redis)")]
    public Task<bool> EvaluateBudgeted() => EvaluateAsync(_budgetLimits);

    /// <summary>And for a budgeted client in a budget group: the group's counters read and its reservation made too.</summary>
    [Benchmark(Description = "RedisLimitConnection.EvaluateAsync, budgeted client in a group (local redis)")]
    public Task<bool> EvaluateGrouped() => EvaluateAsync(_groupLimits);

    private async Task<bool> EvaluateAsync(ClientLimits client)
    {
        var args = _limiter.RentArguments(client, _deploymentLimits, 1, default, out _, cost: 150_000_000);
        var result = await _redis.EvaluateAsync(args.Keys, args.Values).ConfigureAwait(false);
        _limiter.ReturnArguments(args);
        return result is not null;
    }

    [Benchmark(Description = "floor: IDatabase.ScriptEvaluateAsync, same args (local redis)")]
    public async Task<bool> RawEvalSha()
    {
        var args = _limiter.RentArguments(_clientLimits, _deploymentLimits, 1, default, out _);
        var result = await _database!.ScriptEvaluateAsync(_sha!, args.Keys, args.Values).ConfigureAwait(false);
        _limiter.ReturnArguments(args);
        return !result.IsNull;
    }

    /// <summary>A private redis-server on a free loopback port, or null when none is installed.</summary>
    private static Process? StartRedis(out int? port)
    {
        port = null;
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var free = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        Process? process;
        try
        {
            process = Process.Start(new ProcessStartInfo("redis-server",
                ["--port", free.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }

        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, free);
                port = free;
                return process;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        return process;
    }

    private static byte[] LargeBody(int bytes)
    {
        string[] sentences =
        [
            "The gateway admits each request against the client's and the deployment's token budgets. ",
            "Retries honour retry-after-ms, and a deployment that answered 429 cools down for that long. ",
            "Usage events are appended in batches, so a request never waits for its own bookkeeping. ",
            "Cache keys hash the normalised body; only temperature-zero requests are looked up at all. ",
        ];
        var text = new StringBuilder();
        for (var i = 0; text.Length < bytes - 200; i++)
        {
            text.Append(sentences[i % sentences.Length]).Append(i).Append(' ');
        }

        return Encoding.UTF8.GetBytes($$"""{"model":"{{Model}}","messages":[{"role":"user","content":"{{text}}"}],"max_tokens":100}""");
    }
}
