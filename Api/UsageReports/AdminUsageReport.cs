namespace AspireAoai.Api.UsageReports;

/// <summary>Body of <c>GET /admin/usage</c>: every client's report and the grand total.</summary>
public sealed record AdminUsageReport(string From, string To, IReadOnlyList<ClientUsageReport> Clients, UsageTotals Totals);
