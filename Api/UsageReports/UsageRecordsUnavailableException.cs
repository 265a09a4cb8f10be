using System.Net;
using AspireAoai.Accounting.Usage;
using AspireAoai.ServiceDefaults.Cosmos;
using Microsoft.Azure.Cosmos;

namespace AspireAoai.Api.UsageReports;

/// <summary>The cost records could not be read: Cosmos DB is not configured, not reachable or too slow.</summary>
public sealed class UsageRecordsUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
