using System.Globalization;
using System.Net;
using AspireAoai.Accounting.Usage;
using AspireAoai.ServiceDefaults.Cosmos;
using Microsoft.Azure.Cosmos;

namespace AspireAoai.Api.UsageReports;

/// <summary>
/// The Worker's <c>usage</c> documents in the Cosmos DB <c>costs</c> container: one single-partition query per client that
/// names the partition key in WHERE and selects only the totals (<see cref="AggregateTotals"/>, the Worker's document
/// contract, without its bookkeeping). No ORDER BY or aggregates
/// (the local server has neither): lines are sorted and summed here.
/// </summary>
internal sealed class CosmosUsageRecords(AoaiContainers containers, TimeSpan timeout) : IUsageRecords
{
    private const string Query =
        "SELECT c.period, c.model, c.deployment, c.requests, c.errors, c.inputTokens, c.cachedInputTokens, c.outputTokens, " +
        "c.cacheHits, c.savedInputTokens, c.savedOutputTokens, c.cost, c.savedCost, c.unpricedRequests, " +
        "c.estimatedRequests, c.estimatedInputTokens, c.estimatedOutputTokens, " +
        "c.reasoningTokens, c.audioInputTokens, c.audioOutputTokens FROM c " +
        "WHERE c.clientId = @pk AND c.kind = 'usage' AND c.period >= @from AND c.period <= @to";

    public async Task<IReadOnlyList<UsageLine>> ReadAsync(string clientId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var lines = new List<UsageLine>();
        try
        {
            if (!containers.IsAvailable(containers.Costs) && !await containers.EnsureAsync(deadline.Token).ConfigureAwait(false))
            {
                throw new UsageRecordsUnavailableException("The cost records container does not exist or Cosmos DB is unreachable.");
            }

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await QueryAsync(clientId, from, to, lines, deadline.Token).ConfigureAwait(false);
                    break;
                }
                catch (CosmosException ex) when (attempt == 1 && CosmosNotFound.IsOwnerMissing(ex, CosmosNotFound.Operation.OwnerOnly))
                {
                    // A query cannot miss an item: the container is gone (deleted, or a server restarted empty). Re-create it and
                    // ask again: the answer is what the new container holds (the Worker adds the events it has not acknowledged).
                    containers.ReportMissing(containers.Costs);
                    if (!await containers.EnsureAsync(deadline.Token).ConfigureAwait(false))
                    {
                        throw new UsageRecordsUnavailableException("The cost records container does not exist (yet).", ex);
                    }

                    lines.Clear();
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UsageRecordsUnavailableException(
                $"Cosmos DB did not answer within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            throw new UsageRecordsUnavailableException("The cost records container does not exist (yet).", ex);
        }
        catch (CosmosException ex)
        {
            // Only the status: Cosmos messages can carry request details.
            throw new UsageRecordsUnavailableException(
                $"Cosmos DB answered {((int)ex.StatusCode).ToString(CultureInfo.InvariantCulture)}.", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or InvalidOperationException)
        {
            throw new UsageRecordsUnavailableException("Cosmos DB is unreachable.", ex);
        }

        lines.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.Date, b.Date);
            if (c == 0) c = string.CompareOrdinal(a.Model, b.Model);
            return c != 0 ? c : string.CompareOrdinal(a.Deployment, b.Deployment);
        });
        return lines;
    }

    private async Task QueryAsync(string clientId, DateOnly from, DateOnly to, List<UsageLine> lines, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition(Query)
            .WithParameter("@pk", clientId)
            .WithParameter("@from", from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .WithParameter("@to", to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        using var feed = containers.Costs.GetItemQueryIterator<AggregateTotals>(query,
            requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(clientId) });
        while (feed.HasMoreResults)
        {
            foreach (var row in await feed.ReadNextAsync(cancellationToken).ConfigureAwait(false))
            {
                lines.Add(ToLine(row));
            }
        }
    }

    private static UsageLine ToLine(AggregateTotals row) => new(row.Period, row.Model ?? "", row.Deployment ?? "-", row.Requests, row.Errors,
        row.InputTokens, row.CachedInputTokens, row.OutputTokens, row.InputTokens + row.OutputTokens, row.CacheHits, row.SavedInputTokens,
        row.SavedOutputTokens, row.Cost, row.SavedCost, row.UnpricedRequests)
    {
        // Documents written before the Worker counted estimates lack these fields: they read as 0.
        EstimatedRequests = row.EstimatedRequests,
        EstimatedInputTokens = row.EstimatedInputTokens,
        EstimatedOutputTokens = row.EstimatedOutputTokens,
        ReasoningTokens = row.ReasoningTokens,
        AudioInputTokens = row.AudioInputTokens,
        AudioOutputTokens = row.AudioOutputTokens,
    };
}
