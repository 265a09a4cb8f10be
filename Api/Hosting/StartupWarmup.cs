using AspireAoai.Api.Forwarding;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Routing;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Hosting;

/// <summary>
/// Warms what the first requests would otherwise pay for, before Kestrel listens (a hosted service registered before the
/// server starts; readiness probes are refused until then): a few pooled connections to every upstream endpoint, and the
/// rate limiter's Redis connection with its script loaded (until then admissions are local), when rate limits are on. Bounded by
/// <see cref="WarmupOptions.Timeout"/>; nothing here can fail the start.
/// </summary>
internal sealed partial class StartupWarmup(
    IHttpMessageHandlerFactory handlers, DeploymentCatalog catalog, IServiceProvider services, IConfiguration configuration,
    IOptions<WarmupOptions> options, ILogger<StartupWarmup> logger) : IHostedService
{
    // Registered only when Gateway:RateLimits:Enabled is true; with rate limits off there is no connection to warm.
    private readonly ClientLimiter? _limiter = services.GetService<ClientLimiter>();

    // Wall-clock on purpose, not the injected TimeProvider: this bounds how long the process waits before it listens, and
    // a test's fake clock (which never moves by itself) must not hold the start for ever.
    private static readonly TimeProvider Clock = TimeProvider.System;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Enabled || o.Timeout <= TimeSpan.Zero)
        {
            return;
        }

        var started = Clock.GetTimestamp();
        using var timeout = new CancellationTokenSource(o.Timeout, Clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        var opened = await OpenConnectionsAsync(o.UpstreamConnections, linked.Token).ConfigureAwait(false);
        var redis = await WaitForRedisAsync(linked.Token).ConfigureAwait(false);
        LogWarm(logger, opened, redis, (long)Clock.GetElapsedTime(started).TotalMilliseconds);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Opens <paramref name="perEndpoint"/> connections to each distinct upstream endpoint, at once; returns how many answered.</summary>
    private async Task<int> OpenConnectionsAsync(int perEndpoint, CancellationToken cancellationToken)
    {
        if (perEndpoint == 0)
        {
            return 0;
        }

        // The forwarder's own handler (the factory hands out the same one): the connections land in its pool.
        using var invoker = new HttpMessageInvoker(handlers.CreateHandler(UpstreamForwarder.ClientName), disposeHandler: false);
        var endpoints = new Dictionary<Uri, UpstreamProtocol>();
        foreach (var deployment in catalog.Deployments)
        {
            endpoints.TryAdd(new Uri(deployment.Endpoint.GetLeftPart(UriPartial.Authority) + "/"), deployment.Protocol);
        }

        // Every request is sent before any answer is read: a connection stays busy until its answer is read, so none goes
        // back to the pool for a later request to reuse. (Reading each answer as it came, with inline socket completions
        // as in production, let an early answer free its connection before the last request was sent: fewer connections.)
        // An answer with an empty body frees its connection as soon as its headers arrive, so this counts on a body:
        // Azure answers GET / with its 404 JSON, and so does the simulator.
        var calls = new List<Task<HttpResponseMessage?>>(endpoints.Count * perEndpoint);
        foreach (var (endpoint, protocol) in endpoints)
        {
            for (var i = 0; i < perEndpoint; i++)
            {
                calls.Add(SendAsync(invoker, endpoint, protocol, cancellationToken));
            }
        }

        var answered = 0;
        foreach (var call in calls)
        {
            using var response = await call.ConfigureAwait(false);
            answered += response is not null && await DrainAsync(response, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return answered;
    }

    private static async Task<HttpResponseMessage?> SendAsync(HttpMessageInvoker invoker, Uri endpoint, UpstreamProtocol protocol,
        CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, endpoint);
            protocol.Apply(request);
            return await invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            // An upstream that is down is the forwarder's business, with its cool-downs; the warm-up only warms.
            return null;
        }
    }

    private static async Task<bool> DrainAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            // Read the (small) answer to its end, so the connection goes back to the pool.
            await response.Content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    private async Task<bool> WaitForRedisAsync(CancellationToken cancellationToken)
    {
        if (_limiter is not { } limiter || string.IsNullOrWhiteSpace(configuration.GetConnectionString("redis")))
        {
            return false;
        }

        try
        {
            while (!limiter.Connection.IsAvailable)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), Clock, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 9101, Level = LogLevel.Information,
        Message = "Warmed up in {ElapsedMs} ms: {Connections} upstream connections opened, Redis rate limits ready: {Redis}")]
    private static partial void LogWarm(ILogger logger, int connections, bool redis, long elapsedMs);
}
