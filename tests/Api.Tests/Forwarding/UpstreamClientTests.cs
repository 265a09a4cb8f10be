using AspireAoai.Api.Forwarding;
using AspireAoai.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAoai.Api.Tests.Forwarding;

/// <summary>The handler chain of the client that calls Azure OpenAI, as the gateway builds it.</summary>
public sealed class UpstreamClientTests
{
    [Fact]
    public async Task UpstreamClient_HasNeitherServiceDiscoveryNorResilience_WhileOrdinaryClientsKeepBoth()
    {
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("eastus-gpt-4o", new Uri("http://127.0.0.1:9/"))]);
        var factory = gateway.Services.GetRequiredService<IHttpMessageHandlerFactory>();

        // Ordinary clients get ServiceDefaults' handlers: this is what the upstream chain is checked against.
        var ordinary = Chain(factory.CreateHandler("any-other-client"));
        Assert.Contains(ordinary, name => name.Contains("ServiceDiscovery", StringComparison.Ordinal));
        Assert.Contains(ordinary, name => name.Contains("Resilience", StringComparison.Ordinal));

        var upstream = Chain(factory.CreateHandler(UpstreamForwarder.ClientName));
        Assert.DoesNotContain(upstream, name => name.Contains("ServiceDiscovery", StringComparison.Ordinal));
        Assert.DoesNotContain(upstream, name => name.Contains("Resilience", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpstreamClient_HasNoHeaderPropagator_SoItsHandlerMakesNoSpanOfItsOwn()
    {
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("eastus-gpt-4o", new Uri("http://127.0.0.1:9/"))]);
        var factory = gateway.Services.GetRequiredService<IHttpMessageHandlerFactory>();

        var upstream = Assert.IsType<SocketsHttpHandler>(Primary(factory.CreateHandler(UpstreamForwarder.ClientName)));
        Assert.Null(upstream.ActivityHeadersPropagator);
        var ordinary = Assert.IsType<SocketsHttpHandler>(Primary(factory.CreateHandler("any-other-client")));
        Assert.NotNull(ordinary.ActivityHeadersPropagator);
    }

    private static HttpMessageHandler Primary(HttpMessageHandler handler)
    {
        while (handler is DelegatingHandler delegating)
        {
            handler = delegating.InnerHandler!;
        }

        return handler;
    }

    private static List<string> Chain(HttpMessageHandler handler)
    {
        var names = new List<string>();
        for (HttpMessageHandler? h = handler; h is not null; h = (h as DelegatingHandler)?.InnerHandler)
        {
            names.Add(h.GetType().FullName ?? h.GetType().Name);
        }

        return names;
    }
}
