using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AspireAoai.ServiceDefaults.Cosmos;

/// <summary>Readiness: the database can be read within <see cref="CosmosOptions.HealthCheckTimeout"/>.</summary>
public sealed class CosmosHealthCheck(CosmosClient client, IOptions<CosmosOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.HealthCheckTimeout);
        try
        {
            await client.GetDatabase(options.Value.DatabaseName).ReadAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Cosmos DB did not answer in time.");
        }
        catch (CosmosException ex)
        {
            // Only the status: messages can carry request details.
            return new HealthCheckResult(context.Registration.FailureStatus, $"Cosmos DB answered {(int)ex.StatusCode}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Cosmos DB is unreachable.");
        }
    }
}
