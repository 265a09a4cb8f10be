using System.Net.Sockets;
using AspireAoai.Api.Forwarding;

namespace AspireAoai.Api.Tests.Forwarding;

public sealed class LocalFaultReasonTests
{
    [Theory]
    [InlineData(SocketError.TooManyOpenSockets, "local_descriptors_exhausted")]
    [InlineData(SocketError.NoBufferSpaceAvailable, "local_buffers_exhausted")]
    [InlineData(SocketError.AddressNotAvailable, "local_ports_exhausted")]
    [InlineData(SocketError.AddressAlreadyInUse, "local_ports_exhausted")]
    public void ASocketErrorOfOurOwnResources_IsLocal_EvenWrappedByTheHandler(SocketError error, string reason)
    {
        var wrapped = new HttpRequestException(HttpRequestError.ConnectionError, "connect failed", new SocketException((int)error));

        Assert.Equal(reason, LocalFault.Reason(wrapped));
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused)]
    [InlineData(SocketError.ConnectionReset)]
    [InlineData(SocketError.TimedOut)]
    [InlineData(SocketError.HostUnreachable)]
    public void WhatTheUpstreamOrTheNetworkDid_IsNotLocal(SocketError error)
        => Assert.Null(LocalFault.Reason(new HttpRequestException(HttpRequestError.ConnectionError, "x", new SocketException((int)error))));

    [Fact]
    public void AnIOExceptionWithErrnoEmfile_IsLocal()
        => Assert.Equal("local_descriptors_exhausted", LocalFault.Reason(new IOException("Too many open files", 24)));

    [Fact]
    public void AResponseThatEndedEarly_IsNotLocal()
        => Assert.Null(LocalFault.Reason(new IOException("The response ended prematurely.")));
}
