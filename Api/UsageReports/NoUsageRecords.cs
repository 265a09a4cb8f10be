using System.Net;
using AspireAoai.Accounting.Usage;
using AspireAoai.ServiceDefaults.Cosmos;
using Microsoft.Azure.Cosmos;

namespace AspireAoai.Api.UsageReports;

/// <summary>No Cosmos DB connection: every read is unavailable, with a message that says why.</summary>
internal sealed class NoUsageRecords : IUsageRecords
{
    public Task<IReadOnlyList<UsageLine>> ReadAsync(string clientId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
        => throw new UsageRecordsUnavailableException("This gateway has no Cosmos DB connection (ConnectionStrings:cosmos), where cost records are kept.");
}
