using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AspireAoai.Api.Forwarding;
using AspireAoai.Api.Tests.Infrastructure;

namespace AspireAoai.Api.Tests.Forwarding;

/// <summary>
/// A failure of the gateway's own resources (descriptors, ports) never cools a deployment. The failure is injected where it
/// happens in production: the upstream client's connect, through the handler's ConnectCallback.
/// </summary>
public sealed class LocalFaultTests
{
    /// <summary>Which upstream ports fail to connect, and how; the others connect normally.</summary>
    private sealed class ConnectFaults
    {
        public volatile Func<Exception>? Fault;
        public readonly HashSet<int> Ports = [];

        public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
        {
            if (Fault is { } fault && Ports.Contains(context.DnsEndPoint.Port))
            {
                throw fault();
            }

            return await PlainConnect.OpenAsync(context, cancellationToken);
        }
    }

    private static async Task<(TwoRegions Regions, ConnectFaults Faults)> StartAsync()
    {
        var faults = new ConnectFaults();
        // No warm-up: it would open the upstream connections at start, and these tests fail the connects of requests.
        var regions = await TwoRegions.StartAsync(["--Gateway:Warmup:Enabled=false"], configure: builder => builder.Services.AddHttpClient(UpstreamForwarder.ClientName)
            .ConfigurePrimaryHttpMessageHandler((handler, _) => ((SocketsHttpHandler)handler).ConnectCallback = faults.ConnectAsync));
        return (regions, faults);
    }

    public static TheoryData<string> LocalFailures => ["emfile-socket", "enfile-io", "ports", "buffers"];

    private static Exception Make(string kind) => kind switch
    {
        "emfile-socket" => new SocketException((int)SocketError.TooManyOpenSockets),
        "enfile-io" => new IOException("Too many open files in system", 23),
        "ports" => new SocketException((int)SocketError.AddressNotAvailable),
        "buffers" => new SocketException((int)SocketError.NoBufferSpaceAvailable),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(LocalFailures))]
    public async Task ALocalConnectFailure_TriesTheNextDeployment_AndLeavesTheFirstHealthy(string kind)
    {
        var (regions, faults) = await StartAsync();
        await using var _ = regions;
        faults.Ports.Add(regions.East.BaseAddress.Port);
        faults.Fault = () => Make(kind);

        using var response = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TwoRegions.Secondary, response.Headers.GetValues("x-aoai-deployment").Single());
        var primary = await regions.DeploymentStateAsync(TwoRegions.Primary);
        Assert.Equal("healthy", primary.GetProperty("state").GetString());
        Assert.Equal(0, primary.GetProperty("cooldowns").GetInt64());
        Assert.Equal(0, primary.GetProperty("failures").GetInt64());

        // Once the gateway has descriptors again, the primary takes the traffic at once: nothing kept it out.
        faults.Fault = null;
        using var after = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(TwoRegions.Primary, after.Headers.GetValues("x-aoai-deployment").Single());
    }

    [Fact]
    public async Task OutOfDescriptorsForEveryDeployment_Gets503WithRetryAfter_AndNoDeploymentCools()
    {
        var (regions, faults) = await StartAsync();
        await using var _ = regions;
        faults.Ports.Add(regions.East.BaseAddress.Port);
        faults.Ports.Add(regions.West.BaseAddress.Port);
        faults.Fault = () => new SocketException((int)SocketError.TooManyOpenSockets);

        for (var i = 0; i < 3; i++)
        {
            using var response = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(stream: i == 1));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("1000", response.Headers.GetValues("retry-after-ms").Single());
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var error = doc.RootElement.GetProperty("error");
            Assert.Equal("gateway_overloaded", error.GetProperty("code").GetString());
            Assert.Equal("server_error", error.GetProperty("type").GetString());
            Assert.Contains("local_descriptors_exhausted", error.GetProperty("message").GetString());
        }

        foreach (var name in new[] { TwoRegions.Primary, TwoRegions.Secondary })
        {
            var state = await regions.DeploymentStateAsync(name);
            Assert.Equal("healthy", state.GetProperty("state").GetString());
            Assert.Equal(0, state.GetProperty("cooldowns").GetInt64());
        }

        faults.Fault = null;
        using var recovered = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Equal(TwoRegions.Primary, recovered.Headers.GetValues("x-aoai-deployment").Single());
    }

    [Fact]
    public async Task AConnectionTheUpstreamRefused_StillCoolsIt()
    {
        var (regions, faults) = await StartAsync();
        await using var _ = regions;
        faults.Ports.Add(regions.East.BaseAddress.Port);
        faults.Fault = () => new SocketException((int)SocketError.ConnectionRefused);

        using var response = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());

        Assert.Equal(TwoRegions.Secondary, response.Headers.GetValues("x-aoai-deployment").Single());
        Assert.Equal("cooling", (await regions.DeploymentStateAsync(TwoRegions.Primary)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task AClientThatLeavesBeforeTheUpstreamAnswers_DoesNotCoolTheDeployment()
    {
        // Guards behaviour the forwarder had before local faults were told apart (the cancellation surfaces as an
        // OperationCanceledException while the client is gone); kept beside them since both are "a fault not the upstream's".
        await using var regions = await TwoRegions.StartAsync(["--Gateway:Routing:AttemptTimeout=00:00:10"]);
        await regions.East.AddFaultAsync("slow", count: 1, delayMs: 3000, deployment: "gpt-4o");

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(), cancel.Token));
        await Task.Delay(500);

        var primary = await regions.DeploymentStateAsync(TwoRegions.Primary);
        Assert.Equal("healthy", primary.GetProperty("state").GetString());
        Assert.Equal(0, primary.GetProperty("cooldowns").GetInt64());
        Assert.Equal(0, primary.GetProperty("failures").GetInt64());
    }
}
