using System.Net;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AspireAoai.ServiceDefaults.Cosmos;

/// <summary>
/// Readiness: both containers can be read within <see cref="CosmosOptions.HealthCheckTimeout"/>. A missing database or
/// container is Degraded, not the registration's failure status: the account answers, and the app either re-creates
/// what is missing (reported to <see cref="CosmosResourceInitializer"/>) or, with <c>Cosmos:CreateResources</c> off,
/// says here what an operator must create.
/// </summary>
public sealed class CosmosHealthCheck(CosmosClient client, CosmosResourceInitializer initializer, IOptions<CosmosOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(o.HealthCheckTimeout);
        var name = o.CacheContainer;
        try
        {
            var db = client.GetDatabase(o.DatabaseName);
            await db.GetContainer(o.CacheContainer).ReadContainerAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
            name = o.CostsContainer;
            await db.GetContainer(o.CostsContainer).ReadContainerAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
            if (initializer.Missing is not null)
            {
                // Both exist again (an operator created them): let the initializer see it, so its users stop skipping them.
                _ = initializer.EnsureAsync(CancellationToken.None);
            }

            return HealthCheckResult.Healthy();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Cosmos DB did not answer in time.");
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            if (!initializer.Ready.IsCompleted && o.CreateResources)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, "Cosmos DB resources are still being created.");
            }

            initializer.ReportMissing(name);
            return HealthCheckResult.Degraded(o.CreateResources
                ? $"Cosmos DB container '{name}' of database '{o.DatabaseName}' does not exist; it is being re-created."
                : $"Cosmos DB container '{name}' of database '{o.DatabaseName}' (or the database) does not exist, and Cosmos:CreateResources is off: create it.");
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
