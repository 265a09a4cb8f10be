using System.Net;
using Microsoft.Extensions.DependencyInjection;
using AspireAoai.ServiceDefaults.Tracing;
using Microsoft.Extensions.Http.Resilience;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registration of the <see cref="HttpClient"/> that calls Azure OpenAI (or the simulator).
/// </summary>
public static class UpstreamHttpClientExtensions
{
    private const string ServiceDiscoveryHandler = "Microsoft.Extensions.ServiceDiscovery.Http.ResolvingHttpDelegatingHandler";

    /// <summary>
    /// Adds a named client for long-running upstream calls. It removes the standard resilience handler
    /// that <see cref="ServiceDefaultsExtensions.AddServiceDefaults{TBuilder}"/> puts on every client:
    /// its 10 s attempt and 30 s total timeouts would cut completions that take minutes, and its retries
    /// would hide 429s and 5xx from the gateway's own failover, which must see each one to cool a
    /// deployment down. The gateway enforces its own per-attempt and total budgets instead. It also removes service
    /// discovery: upstream endpoints are URLs (Azure OpenAI resources, or the simulators whose URLs the AppHost
    /// passes), and resolving them would rebuild every request's URI for nothing.
    /// </summary>
    public static IHttpClientBuilder AddUpstreamHttpClient(this IServiceCollection services, string name, TimeSpan? connectTimeout = null)
    {
        var builder = services.AddHttpClient(name, client =>
        {
            // The gateway cancels through tokens with its own budgets; the client itself never times out.
            client.Timeout = Timeout.InfiniteTimeSpan;
        });
        builder.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = int.MaxValue,
            EnableMultipleHttp2Connections = true,
            // traceparent / tracestate of the gateway's own span; never baggage (callers' or ours) to the upstream.
            ActivityHeadersPropagator = new TraceParentPropagator(trustIncoming: false),
        });
#pragma warning disable EXTEXP0001 // Experimental, but the documented way to opt one client out of ConfigureHttpClientDefaults.
        builder.RemoveAllResilienceHandlers();
        // The gateway logs each attempt itself; the factory's per-request logging handlers and scopes are pure cost.
        builder.RemoveAllLoggers();
#pragma warning restore EXTEXP0001
        builder.ConfigureAdditionalHttpMessageHandlers(static (handlers, _) =>
        {
            for (var i = handlers.Count - 1; i >= 0; i--)
            {
                if (handlers[i].GetType().FullName == ServiceDiscoveryHandler)
                {
                    handlers.RemoveAt(i);
                }
            }
        });
        return builder;
    }
}
