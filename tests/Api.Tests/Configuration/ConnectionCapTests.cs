using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AspireAoai.Api.Hosting;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.TestSupport;

namespace AspireAoai.Api.Tests.Configuration;

/// <summary>
/// A replica holds at most <c>Gateway:MaxConnections</c> client connections (by default, what its open-file limit allows): the
/// next one is answered 503 <c>gateway_overloaded</c> with retry-after, not reset, and the process keeps its descriptors.
/// </summary>
public sealed class ConnectionCapTests
{
    private static readonly DeploymentSpec[] Unused = [new("d", new Uri("http://127.0.0.1:1/"))];

    [Fact]
    public async Task AConnectionAboveTheCap_Gets503GatewayOverloaded_AndTheHeldOnesKeepWorking()
    {
        await using var gateway = await GatewayHost.StartAsync(Unused, ["--Gateway:MaxConnections=2"]);
        using var metrics = new MeterProbe(gateway.Services, AspireAoai.Api.Telemetry.GatewayTelemetry.Name);
        using var first = await OpenAsync(gateway.BaseAddress);
        using var second = await OpenAsync(gateway.BaseAddress);
        Assert.StartsWith("HTTP/1.1 200", await SendAsync(first, Health(gateway.BaseAddress)));
        Assert.StartsWith("HTTP/1.1 200", await SendAsync(second, Health(gateway.BaseAddress)));

        using var third = new HttpClient { BaseAddress = gateway.BaseAddress };
        using var refused = await third.PostAsync("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
            new StringContent("""{"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("1", refused.Headers.GetValues("retry-after").Single());
        Assert.Equal("1000", refused.Headers.GetValues("retry-after-ms").Single());
        using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("gateway_overloaded", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("server_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(1, gateway.Services.GetRequiredService<ConnectionGateHolder>().Gate!.Refused);
        Assert.Equal(1, metrics.Count("aoai.gateway.rejections", ConnectionGate.RejectionType));

        // The held connections were not touched, and a freed slot is taken by the next connection.
        Assert.StartsWith("HTTP/1.1 200", await SendAsync(first, Health(gateway.BaseAddress)));
        second.Dispose();
        await Eventually.TrueAsync(async () =>
        {
            using var client = new HttpClient { BaseAddress = gateway.BaseAddress };
            return (await client.GetAsync("/alive")).StatusCode == HttpStatusCode.OK;
        }, "a connection freed by a client is available to the next one");
    }

    [Fact]
    public async Task ByDefault_TheCapIsWhatTheOpenFileLimitAllows_TwoDescriptorsAStream()
    {
        await using var gateway = await GatewayHost.StartAsync(Unused);

        var expected = ConnectionCap.ForOpenFileLimit(ConnectionCap.ReadOpenFileLimit());
        Assert.Equal(expected, gateway.Services.GetRequiredService<ConnectionGateHolder>().Gate?.Cap);
        if (OperatingSystem.IsLinux())
        {
            Assert.NotNull(expected);
        }
    }

    [Fact]
    public async Task Zero_MeansNoCap()
    {
        await using var gateway = await GatewayHost.StartAsync(Unused, ["--Gateway:MaxConnections=0"]);

        Assert.Null(gateway.Services.GetRequiredService<ConnectionGateHolder>().Gate);
    }

    [Theory]
    [InlineData(20000L, 9488)]
    [InlineData(2048L, 512)]
    [InlineData(1024L, 256)]
    [InlineData(100L, 25)]
    [InlineData(1L, 1)]
    public void TheCapKeepsDescriptorsForTheRuntime(long limit, int cap)
        => Assert.Equal(cap, ConnectionCap.ForOpenFileLimit(limit));

    [Fact]
    public void AnUnknownOrUnlimitedLimit_MeansNoCap()
    {
        Assert.Null(ConnectionCap.ForOpenFileLimit(null));
        Assert.Null(ConnectionCap.ForOpenFileLimit(long.MaxValue));
    }

    [Fact]
    public void TheLimitIsReadFromProcSelfLimits()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "Limit                     Soft Limit           Hard Limit           Units\n"
            + "Max processes             95000                95000                processes\n"
            + "Max open files            4096                 20000                files\n");
        try
        {
            Assert.Equal(OperatingSystem.IsLinux() ? 4096 : null, ConnectionCap.ReadOpenFileLimit(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("POST /v1/chat HTTP/1.1\r\n", true)]
    [InlineData("GET / HTTP/1.1\r\n", true)]
    [InlineData("PRI * HTTP/2.0\r\n", false)]
    [InlineData("\u0016\u0003\u0001\u0002", false)]
    [InlineData("PO", false)]
    public void OnlyAPlaintextHttp1RequestIsAnswered(string head, bool answered)
        => Assert.Equal(answered, ConnectionGate.LooksLikeHttp1(new System.Buffers.ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head))));

    [Fact]
    public async Task ANegativeCap_FailsTheStart_NamingTheKey()
    {
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => GatewayHost.StartAsync(Unused, ["--Gateway:MaxConnections=-1"]));

        Assert.Contains("Gateway:MaxConnections", ex.Message);
    }

    private static async Task<TcpClient> OpenAsync(Uri address)
    {
        var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        return client;
    }

    private static string Health(Uri address) => $"GET /alive HTTP/1.1\r\nHost: {address.Authority}\r\n\r\n";

    /// <summary>Sends a request on a kept-alive connection and returns the start of the answer.</summary>
    private static async Task<string> SendAsync(TcpClient client, string request)
    {
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return Encoding.ASCII.GetString(buffer, 0, read);
    }
}
