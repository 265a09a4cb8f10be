using System.Net;
using AspireAoai.Accounting.Usage;
using AspireAoai.ServiceDefaults.Cosmos;
using Microsoft.Azure.Cosmos;

namespace AspireAoai.Api.UsageReports;

/// <summary>Reads a client's usage over a range of UTC days.</summary>
public interface IUsageRecords
{
    /// <summary>The client's <c>usage</c> lines from <paramref name="from"/> to <paramref name="to"/> (inclusive), sorted by day, model, deployment.</summary>
    /// <exception cref="UsageRecordsUnavailableException">The store did not answer.</exception>
    Task<IReadOnlyList<UsageLine>> ReadAsync(string clientId, DateOnly from, DateOnly to, CancellationToken cancellationToken);
}
