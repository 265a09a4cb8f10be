namespace AspireAoai.Api.UsageReports;

/// <summary>Body of <c>GET /v1/usage</c>, and one client of <c>GET /admin/usage</c>.</summary>
public sealed record ClientUsageReport(string ClientId, string From, string To, IReadOnlyList<UsageLine> Data, UsageTotals Totals, LiveSpend Spend);
