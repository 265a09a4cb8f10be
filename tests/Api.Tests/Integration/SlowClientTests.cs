using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Tests.Infrastructure;

namespace AspireAoai.Api.Tests.Integration;

/// <summary>
/// Slow and greedy clients through the whole gateway (in-process, simulator upstream), driven over raw sockets so a
/// body can be sent in pieces, stalled or abandoned: 408 for slow bodies, the per-client cap of requests in flight.
/// </summary>
public sealed class SlowClientTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync("eastus");

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    private Task<GatewayHost> StartGatewayAsync(params string[] args)
        => GatewayHost.StartAsync([new DeploymentSpec("eastus-gpt-4o", _sim.BaseAddress)], args);

    [Fact]
    public async Task ABodySentSlowerThanTheMinimumRate_Gets408InTheOpenAiShape()
    {
        await using var gateway = await StartGatewayAsync("--Gateway:MinRequestBodyBytesPerSecond=1000", "--Gateway:RequestBodyGracePeriod=00:00:02");
        using var socket = await RawRequest.OpenAsync(gateway, GatewayHost.ClientKey, declaredLength: 10_000, firstBytes: 10);

        // No more bytes: after the grace period the rate (10 bytes in 2 s) is far below 1000 B/s.
        var (status, body) = await socket.ReadResponseAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(408, status);
        AssertError(body, "request_body_timeout");
    }

    [Fact]
    public async Task ABodyThatStallsAfterAFastStart_Gets408AtTheBodyTimeout()
    {
        // 5,000 bytes at once keep the average above 100 B/s for 50 s; the whole-body deadline is what stops it.
        await using var gateway = await StartGatewayAsync("--Gateway:MinRequestBodyBytesPerSecond=100", "--Gateway:RequestBodyGracePeriod=00:00:02",
            "--Gateway:RequestBodyTimeout=00:00:03");
        using var socket = await RawRequest.OpenAsync(gateway, GatewayHost.ClientKey, declaredLength: 10_000, firstBytes: 5_000);
        await Task.Delay(200);
        await socket.SendAsync(new string(' ', 100));

        var (status, body) = await socket.ReadResponseAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(408, status);
        AssertError(body, "request_body_timeout");
    }

    [Fact]
    public async Task AClientAtItsCapOfRequestsInFlight_Gets429_AndItsSlotIsReleasedWhenItAbortsARequest()
    {
        await using var gateway = await StartGatewayAsync("--Gateway:Clients:0:MaxConcurrentRequests=2");
        var gates = gateway.Services.GetRequiredService<ClientGates>();

        // Two requests whose bodies never finish hold both slots.
        var first = await RawRequest.OpenAsync(gateway, GatewayHost.ClientKey, declaredLength: 1000, firstBytes: 10);
        var second = await RawRequest.OpenAsync(gateway, GatewayHost.ClientKey, declaredLength: 1000, firstBytes: 10);
        await WaitForAsync(() => gates.For("test").InFlight == 2);

        using (var refused = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody()))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("1", refused.Headers.GetValues("retry-after").Single());
            var error = AssertError(await refused.Content.ReadAsStringAsync(), "too_many_concurrent_requests");
            Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        }

        // Another client is not affected by this one's cap.
        using (var other = await Post(gateway, GatewayHost.LimitedClientKey, "gpt-4o"))
        {
            Assert.NotEqual(HttpStatusCode.TooManyRequests, other.StatusCode);
        }

        // The client hangs up mid-body (a reset, not a clean end): its slot comes back.
        first.Abort();
        await WaitForAsync(() => gates.For("test").InFlight == 1);
        using (var admitted = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody()))
        {
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        }

        second.Abort();
        await WaitForAsync(() => gates.For("test").InFlight == 0);
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public async Task AStreamTheClientAbandons_ReleasesItsSlot()
    {
        // An upstream that sends the first part of a stream and holds the rest until released.
        await using var held = await Usage.HeldUpstream.StartAsync("sse");
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("held", held.BaseAddress)],
            ["--Gateway:Clients:0:MaxConcurrentRequests=1"]);
        var gates = gateway.Services.GetRequiredService<ClientGates>();
        using (var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = GatewayHost.ChatBody(stream: true) })
        {
            using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await held.FirstPartSent.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(1, gates.For("test").InFlight);
            using (var busy = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody()))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, busy.StatusCode);
            }

            // Disposing the response mid-stream closes the client's connection.
        }

        await WaitForAsync(() => gates.For("test").InFlight == 0);
        held.Release();
    }

    [Theory]
    [InlineData("--Gateway:MinRequestBodyBytesPerSecond=0", "Gateway:MinRequestBodyBytesPerSecond")]
    [InlineData("--Gateway:RequestBodyGracePeriod=00:00:01", "Gateway:RequestBodyGracePeriod")]
    [InlineData("--Gateway:RequestBodyTimeout=00:00:00", "Gateway:RequestBodyTimeout")]
    [InlineData("--Gateway:RateLimits:MaxConcurrentRequests=-1", "Gateway:RateLimits:MaxConcurrentRequests")]
    [InlineData("--Gateway:Clients:0:MaxConcurrentRequests=-5", "Gateway:Clients:0:MaxConcurrentRequests")]
    public async Task ABadSlowClientSetting_FailsTheStart_NamingTheKey(string setting, string key)
    {
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => StartGatewayAsync(setting));
        Assert.Contains(key, ex.Message);
    }

    private static async Task<HttpResponseMessage> Post(GatewayHost gateway, string key, string model)
    {
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress };
        client.DefaultRequestHeaders.Add("api-key", key);
        return await client.PostAsync("v1/chat/completions", GatewayHost.ChatBody(model));
    }

    private static JsonElement AssertError(string body, string code)
    {
        using var doc = JsonDocument.Parse(body);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        return error.Clone();
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(condition(), "the condition did not hold within 20 s");
    }
}

/// <summary>An HTTP/1.1 request written by hand on a socket: headers and the first bytes of a body, the rest when the test says.</summary>
internal sealed class RawRequest : IDisposable
{
    private readonly Socket _socket;

    private RawRequest(Socket socket) => _socket = socket;

    public static async Task<RawRequest> OpenAsync(GatewayHost gateway, string key, int declaredLength, int firstBytes, string path = "/v1/chat/completions")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(gateway.BaseAddress.Host, gateway.BaseAddress.Port);
        var request = new RawRequest(socket);
        await request.SendAsync($"POST {path} HTTP/1.1\r\nHost: {gateway.BaseAddress.Authority}\r\napi-key: {key}\r\n" +
            $"Content-Type: application/json\r\nContent-Length: {declaredLength}\r\n\r\n" + "{\"model\":\"gpt-4o\",\"messages\":[".PadRight(firstBytes)[..firstBytes]);
        return request;
    }

    public async Task SendAsync(string text) => await _socket.SendAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>Reads until the server closes the connection or the response's Content-Length is in; the status and the body.</summary>
    public async Task<(int Status, string Body)> ReadResponseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0)
            {
                break;
            }

            received.AddRange(buffer.AsSpan(0, n));
            var text = Encoding.UTF8.GetString([.. received]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var lengthAt = text.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase);
            if (end > 0 && lengthAt > 0 && lengthAt < end)
            {
                var length = int.Parse(text[(lengthAt + 16)..text.IndexOf('\r', lengthAt)]);
                if (received.Count >= end + 4 + length)
                {
                    break;
                }
            }
        }

        var all = Encoding.UTF8.GetString([.. received]);
        var headerEnd = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(headerEnd > 0, "no complete response: " + all);
        var body = all[(headerEnd + 4)..];
        if (all[..headerEnd].Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            // One JSON error: its chunks joined (size line, data, CRLF; a 0 chunk ends it).
            var joined = new StringBuilder();
            var at = 0;
            while (at < body.Length)
            {
                var lineEnd = body.IndexOf("\r\n", at, StringComparison.Ordinal);
                var size = Convert.ToInt32(body[at..lineEnd], 16);
                if (size == 0)
                {
                    break;
                }

                joined.Append(body, lineEnd + 2, size);
                at = lineEnd + 2 + size + 2;
            }

            body = joined.ToString();
        }

        return (int.Parse(all.AsSpan(9, 3)), body);
    }

    /// <summary>Resets the connection (RST), as a client that crashes or is killed does.</summary>
    public void Abort()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public void Dispose() => _socket.Dispose();
}
