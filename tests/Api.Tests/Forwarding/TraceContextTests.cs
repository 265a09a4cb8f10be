using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using AspireAoai.Api.Tests.Infrastructure;

namespace AspireAoai.Api.Tests.Forwarding;

/// <summary>
/// A caller's trace context is adopted only when configured as trusted, and baggage never goes upstream: an internet
/// caller must not write into the gateway's traces or carry data through it to Azure.
/// </summary>
public sealed class TraceContextTests
{
    private const string CallerTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string CallerParent = "00-" + CallerTraceId + "-00f067aa0ba902b7-01";

    private static async Task<IReadOnlyDictionary<string, Microsoft.Extensions.Primitives.StringValues>> SendAsync(params string[] args)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("d", upstream.BaseAddress)], args);
        // Written by hand on a socket: an HttpClient in this process would be instrumented and could rewrite traceparent.
        var body = await GatewayHost.ChatBody().ReadAsStringAsync();
        var request = "POST /v1/chat/completions HTTP/1.1\r\n" +
                      $"Host: {gateway.BaseAddress.Authority}\r\n" +
                      $"api-key: {GatewayHost.ClientKey}\r\n" +
                      "Content-Type: application/json\r\n" +
                      $"traceparent: {CallerParent}\r\n" +
                      "tracestate: caller=1\r\n" +
                      "baggage: tenant=other-tenant,user.email=someone%40example.com\r\n" +
                      "Correlation-Context: tenant=other-tenant\r\n" +
                      $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n" +
                      "Connection: close\r\n\r\n" + body;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(gateway.BaseAddress.Host, gateway.BaseAddress.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        using var reader = new StreamReader(stream);
        var response = await reader.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.True(upstream.Requests.TryDequeue(out var seen));
        return seen;
    }

    private static string UpstreamTraceId(IReadOnlyDictionary<string, Microsoft.Extensions.Primitives.StringValues> seen)
    {
        Assert.True(seen.TryGetValue("traceparent", out var parent), "the gateway sends its own traceparent upstream");
        Assert.True(ActivityContext.TryParse(parent.ToString(), null, out var context), $"a valid traceparent: {parent}");
        return context.TraceId.ToHexString();
    }

    [Fact]
    public async Task ByDefault_ACallersTraceparentIsNotAdopted_AndNoBaggageGoesUpstream()
    {
        var seen = await SendAsync();

        Assert.NotEqual(CallerTraceId, UpstreamTraceId(seen));
        Assert.False(seen.ContainsKey("baggage"));
        Assert.False(seen.ContainsKey("Correlation-Context"));
        Assert.False(seen.TryGetValue("tracestate", out var state) && state.ToString().Contains("caller=1"));
    }

    [Fact]
    public async Task Trusted_ACallersTraceIsContinued_ButBaggageStillStaysBehind()
    {
        var seen = await SendAsync("--Telemetry:TrustIncomingTraceContext=true");

        Assert.Equal(CallerTraceId, UpstreamTraceId(seen));
        Assert.False(seen.ContainsKey("baggage"));
        Assert.False(seen.ContainsKey("Correlation-Context"));
    }
}
