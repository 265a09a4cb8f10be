using AspireAoai.Api.Routing;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireAoai.Api.Forwarding;

public static class ForwardingExtensions
{
    /// <summary>
    /// The upstream HttpClient (no standard resilience handler: the gateway's own budgets apply), upstream
    /// credentials, and the forwarder. The <see cref="TokenCredential"/> defaults to the workload credential
    /// (ManagedIdentityCredential for <c>AZURE_CLIENT_ID</c> in Azure, DefaultAzureCredential locally);
    /// register another before this call to replace it (tests count fetches that way).
    /// </summary>
    public static IHostApplicationBuilder AddUpstreamForwarding(this IHostApplicationBuilder builder)
    {
        // SocketsHttpHandler recycles pooled connections itself (PooledConnectionLifetime), so the factory
        // need not rotate handlers, which would drop warm connections every two minutes.
        builder.Services.AddUpstreamHttpClient(UpstreamForwarder.ClientName)
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // No propagator, no DiagnosticsHandler: the forwarder's attempt span is the client span of each upstream call
            // and carries the trace context itself (UpstreamForwarder.InjectTraceContext). The handler's own span would be
            // a second client span for the same call, with its allocations on every request.
            .ConfigurePrimaryHttpMessageHandler(static (handler, _) => ((SocketsHttpHandler)handler).ActivityHeadersPropagator = null);
        builder.Services.TryAddSingleton<TokenCredential>(_ => AspireAoai.ServiceDefaults.Identity.WorkloadCredential.Create());
        builder.Services.AddSingleton<AccessTokenCache>();
        builder.Services.AddSingleton<UpstreamAuthenticatorFactory>();
        builder.Services.AddSingleton<UpstreamForwarder>();
        return builder;
    }
}
