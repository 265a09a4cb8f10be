using System.Globalization;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Caching;
using AspireAoai.ServiceDefaults.Cosmos;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.UsageReports;

/// <summary>
/// <c>GET /v1/usage</c> (client key: the caller's own usage, cost and live spend) and <c>GET /admin/usage</c> (admin key:
/// every configured client, with per-client totals and a grand total), from the Worker's cost records. Errors in the
/// OpenAI shape.
/// </summary>
public static class UsageApi
{
    /// <summary>The longest range one request may ask for, in days.</summary>
    public const int MaxDays = 366;

    /// <summary>Registers the cost-record reader (Cosmos DB when <c>ConnectionStrings:cosmos</c> exists) and the live spend reader.</summary>
    public static IHostApplicationBuilder AddUsageApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<UsageApiOptions>().BindConfiguration(UsageApiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddClientBudgets();
        services.TryAddSingleton<LiveSpendReader>();
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(CachingExtensions.ConnectionName)))
        {
            services.TryAddSingleton<IUsageRecords, NoUsageRecords>();
            return builder;
        }

        // Reading usage is optional for the gateway: Cosmos DB being down must not take replicas out of rotation.
        builder.AddAoaiCosmos(CachingExtensions.ConnectionName, optional: true);

        services.TryAddSingleton<IUsageRecords>(sp => new CosmosUsageRecords(sp.GetRequiredService<AoaiContainers>(),
            sp.GetRequiredService<IOptions<UsageApiOptions>>().Value.QueryTimeout));
        return builder;
    }

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/usage", (RequestDelegate)ClientUsageAsync);
        app.MapGet("/openai/v1/usage", (RequestDelegate)ClientUsageAsync);
        app.MapGet("/admin/usage", (RequestDelegate)AdminUsageAsync);
        return app;
    }

    private static async Task ClientUsageAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var authenticated = await services.GetRequiredService<ClientAuthentication>().AuthenticateAsync(context).ConfigureAwait(false);
        if (authenticated.Client is not { } client)
        {
            await OpenAiErrors.WriteRefusalAsync(context, authenticated).ConfigureAwait(false);
            return;
        }

        var (ok, from, to) = await TryReadRangeAsync(context).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        try
        {
            var report = await ReportAsync(services, client.Id, from, to, context.RequestAborted).ConfigureAwait(false);
            await Results.Json(report, UsageJsonContext.Default.ClientUsageReport).ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (UsageRecordsUnavailableException ex)
        {
            await UnavailableAsync(context, ex).ConfigureAwait(false);
        }
    }

    private static async Task AdminUsageAsync(HttpContext context)
    {
        var services = context.RequestServices;
        if (!services.GetRequiredService<IClientAuthenticator>().IsAdmin(context.Request))
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status401Unauthorized,
                "Admin key required: send it in 'api-key' or as a Bearer token.", OpenAiErrors.InvalidRequest, "invalid_api_key").ConfigureAwait(false);
            return;
        }

        var (ok, from, to) = await TryReadRangeAsync(context).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        var clients = services.GetRequiredService<IOptions<GatewayAuthOptions>>().Value.Clients;
        var only = context.Request.Query["client"].ToString();
        var ids = new List<string>(clients.Count);
        foreach (var c in clients)
        {
            if (only.Length == 0 || string.Equals(c.Id, only, StringComparison.Ordinal))
            {
                ids.Add(c.Id);
            }
        }

        if (only.Length > 0 && ids.Count == 0)
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status404NotFound, $"No client is configured with the id '{Truncate(only)}'.",
                OpenAiErrors.InvalidRequest, "client_not_found", "client").ConfigureAwait(false);
            return;
        }

        try
        {
            // One single-partition query per configured client (the local Cosmos server has no cross-partition queries).
            var reports = new List<ClientUsageReport>(ids.Count);
            var grand = new UsageSum();
            foreach (var id in ids)
            {
                var report = await ReportAsync(services, id, from, to, context.RequestAborted).ConfigureAwait(false);
                grand.Add(report.Totals);
                reports.Add(report);
            }

            var body = new AdminUsageReport(Day(from), Day(to), reports, grand.ToTotals());
            await Results.Json(body, UsageJsonContext.Default.AdminUsageReport).ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (UsageRecordsUnavailableException ex)
        {
            await UnavailableAsync(context, ex).ConfigureAwait(false);
        }
    }

    private static async Task<ClientUsageReport> ReportAsync(IServiceProvider services, string clientId, DateOnly from, DateOnly to,
        CancellationToken cancellationToken)
    {
        var lines = await services.GetRequiredService<IUsageRecords>().ReadAsync(clientId, from, to, cancellationToken).ConfigureAwait(false);
        var sum = new UsageSum();
        foreach (var line in lines)
        {
            sum.Add(line);
        }

        var spend = await services.GetRequiredService<LiveSpendReader>().ReadAsync(clientId, cancellationToken).ConfigureAwait(false);
        return new ClientUsageReport(clientId, Day(from), Day(to), lines, sum.ToTotals(), spend);
    }

    /// <summary>
    /// <c>from</c> and <c>to</c> as UTC days (<c>yyyy-MM-dd</c>, inclusive), by default the current month; answers 400 for a
    /// bad date, a reversed range or one longer than <see cref="MaxDays"/>.
    /// </summary>
    private static async Task<(bool Ok, DateOnly From, DateOnly To)> TryReadRangeAsync(HttpContext context)
    {
        var today = DateOnly.FromDateTime(context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        var monthStart = new DateOnly(today.Year, today.Month, 1);
        var query = context.Request.Query;
        if (!TryParseDay(query["from"], monthStart, out var from))
        {
            await BadRequestAsync(context, "'from' must be a UTC date written yyyy-MM-dd (for example 2026-04-01).", "from").ConfigureAwait(false);
            return default;
        }

        if (!TryParseDay(query["to"], monthStart.AddMonths(1).AddDays(-1), out var to))
        {
            await BadRequestAsync(context, "'to' must be a UTC date written yyyy-MM-dd (for example 2026-04-30).", "to").ConfigureAwait(false);
            return default;
        }

        if (to < from)
        {
            await BadRequestAsync(context, $"'to' ({Day(to)}) is before 'from' ({Day(from)}).", "to").ConfigureAwait(false);
            return default;
        }

        if (to.DayNumber - from.DayNumber + 1 > MaxDays)
        {
            await BadRequestAsync(context, string.Create(CultureInfo.InvariantCulture,
                $"The range {Day(from)}..{Day(to)} spans {to.DayNumber - from.DayNumber + 1} days; ask for at most {MaxDays}."), "to").ConfigureAwait(false);
            return default;
        }

        return (true, from, to);
    }

    private static bool TryParseDay(Microsoft.Extensions.Primitives.StringValues values, DateOnly fallback, out DateOnly day)
    {
        if (values.Count == 0)
        {
            day = fallback;
            return true;
        }

        day = default;
        return values.Count == 1 && DateOnly.TryParseExact(values[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
    }

    private static Task BadRequestAsync(HttpContext context, string message, string param)
        => OpenAiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, message, OpenAiErrors.InvalidRequest, "invalid_date_range", param);

    private static Task UnavailableAsync(HttpContext context, UsageRecordsUnavailableException ex)
        => OpenAiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
            "Usage records are unavailable right now: " + ex.Message + " Please retry shortly.", OpenAiErrors.Server, "usage_store_unavailable",
            retryAfter: TimeSpan.FromSeconds(5));

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Truncate(string value) => value.Length <= 100 ? value : value[..100];
}
