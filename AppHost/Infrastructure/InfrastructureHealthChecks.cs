using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireAoai.AppHost.Infrastructure;

/// <summary>Healthy when Redis answers PING with PONG on the resource's endpoint.</summary>
internal sealed class RedisPingHealthCheck(EndpointReference endpoint) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!endpoint.IsAllocated)
        {
            return HealthCheckResult.Unhealthy("Endpoint not allocated yet.");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var client = new TcpClient();
            await client.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            var answer = Encoding.ASCII.GetString(buffer, 0, read);
            return answer.StartsWith("+PONG", StringComparison.Ordinal)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"Unexpected answer to PING: {answer.Trim()}");
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("Redis is not answering yet.", ex);
        }
    }
}

/// <summary>
/// Healthy when the endpoint answers HTTP at all. The Cosmos DB servers answer the account root with 200 or 401
/// depending on the server; either proves it is serving.
/// </summary>
internal sealed class HttpAnswersHealthCheck(EndpointReference endpoint, string path) : IHealthCheck
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        // The emulator serves a self-signed certificate when it serves HTTPS; this client only talks to localhost.
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    })
    {
        Timeout = TimeSpan.FromSeconds(3),
    };

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!endpoint.IsAllocated)
        {
            return HealthCheckResult.Unhealthy("Endpoint not allocated yet.");
        }

        try
        {
            using var response = await Client.GetAsync(new Uri(new Uri(endpoint.Url), path), cancellationToken);
            return (int)response.StatusCode < 500
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"HTTP {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return HealthCheckResult.Unhealthy("Not answering yet.", ex);
        }
    }
}
