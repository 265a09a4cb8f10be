using AspireAoai.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Tests.Configuration;

public sealed class ListenBacklogTests
{
    private static readonly DeploymentSpec[] Unused = [new("d", new Uri("http://127.0.0.1:1/"))];

    [Fact]
    public async Task KestrelListensWithABacklogSizedForBursts_ByDefault()
    {
        await using var gateway = await GatewayHost.StartAsync(Unused);

        Assert.Equal(4096, gateway.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.Backlog);
    }

    [Fact]
    public async Task GatewayListenBacklog_SetsKestrelsBacklog()
    {
        await using var gateway = await GatewayHost.StartAsync(Unused, ["--Gateway:ListenBacklog=1000"]);

        Assert.Equal(1000, gateway.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.Backlog);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("70000")]
    public async Task AnOutOfRangeBacklog_FailsTheStart_NamingTheKey(string value)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(Unused, ["--Gateway:ListenBacklog=" + value]));

        Assert.Contains("Gateway:ListenBacklog", ex.Message);
    }
}
