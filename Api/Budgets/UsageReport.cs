using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspireAoai.Api.Budgets;

/// <summary>One client's usage of one model on one deployment on one UTC day (a Worker <c>usage</c> document).</summary>
public sealed record UsageLine(
    string Date,
    string Model,
    string Deployment,
    long Requests,
    long Errors,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    long TotalTokens,
    long CacheHits,
    long SavedInputTokens,
    long SavedOutputTokens,
    string? Cost,
    string? SavedCost,
    long UnpricedRequests)
{
    /// <summary>Requests charged with the gateway's estimate (streams that ended without a usage chunk).</summary>
    public long EstimatedRequests { get; init; }

    /// <summary>The part of <see cref="InputTokens"/> that was estimated.</summary>
    public long EstimatedInputTokens { get; init; }

    /// <summary>The part of <see cref="OutputTokens"/> that was estimated.</summary>
    public long EstimatedOutputTokens { get; init; }

    /// <summary>The part of <see cref="OutputTokens"/> that were reasoning tokens (billed as output).</summary>
    public long ReasoningTokens { get; init; }

    /// <summary>The part of <see cref="InputTokens"/> that were audio (priced at the audio input price).</summary>
    public long AudioInputTokens { get; init; }

    /// <summary>The part of <see cref="OutputTokens"/> that were audio (priced at the audio output price).</summary>
    public long AudioOutputTokens { get; init; }
}

/// <summary>Sums over lines; costs are exact decimal strings (<c>"0"</c> when nothing was priced).</summary>
public sealed record UsageTotals(
    long Requests,
    long Errors,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    long TotalTokens,
    long CacheHits,
    long SavedInputTokens,
    long SavedOutputTokens,
    string Cost,
    string SavedCost,
    long UnpricedRequests)
{
    /// <summary>Requests charged with the gateway's estimate (streams that ended without a usage chunk).</summary>
    public long EstimatedRequests { get; init; }

    /// <summary>The part of <see cref="InputTokens"/> that was estimated.</summary>
    public long EstimatedInputTokens { get; init; }

    /// <summary>The part of <see cref="OutputTokens"/> that was estimated.</summary>
    public long EstimatedOutputTokens { get; init; }

    /// <summary>The part of <see cref="OutputTokens"/> that were reasoning tokens (billed as output).</summary>
    public long ReasoningTokens { get; init; }

    /// <summary>The part of <see cref="InputTokens"/> that were audio (priced at the audio input price).</summary>
    public long AudioInputTokens { get; init; }

    /// <summary>The part of <see cref="OutputTokens"/> that were audio (priced at the audio output price).</summary>
    public long AudioOutputTokens { get; init; }
}

/// <summary>A client's budgets as configured (USD as decimal strings).</summary>
public sealed record BudgetView(string? DailyUsd, string? MonthlyUsd, int SoftLimitPercent);

/// <summary>
/// The running spend of the current UTC day and month from Redis (what admission checks budgets against), USD as decimal
/// strings; <see cref="Available"/> is false (and the amounts null) when Redis did not answer.
/// </summary>
public sealed record LiveSpend(string Date, string Month, bool Available, string? TodayUsd, string? MonthUsd, BudgetView? Budget)
{
    /// <summary>USD held by the client's requests in flight (their worst cases, until they settle or expire).</summary>
    public string? ReservedUsd { get; init; }

    /// <summary>The daily budget less today's spend and the reservations; null without a daily budget.</summary>
    public string? RemainingTodayUsd { get; init; }

    /// <summary>The monthly budget less this month's spend and the reservations; null without a monthly budget.</summary>
    public string? RemainingMonthUsd { get; init; }

    /// <summary>The budget the client shares with its group, when it is in one.</summary>
    public GroupSpend? Group { get; init; }
}

/// <summary>A budget group's running spend, reservations and remaining budget, USD as decimal strings.</summary>
public sealed record GroupSpend(string Id, string? TodayUsd, string? MonthUsd, string? ReservedUsd, string? RemainingTodayUsd,
    string? RemainingMonthUsd, BudgetView Budget);

/// <summary>Body of <c>GET /v1/usage</c>, and one client of <c>GET /admin/usage</c>.</summary>
public sealed record ClientUsageReport(string ClientId, string From, string To, IReadOnlyList<UsageLine> Data, UsageTotals Totals, LiveSpend Spend);

/// <summary>Body of <c>GET /admin/usage</c>: every client's report and the grand total.</summary>
public sealed record AdminUsageReport(string From, string To, IReadOnlyList<ClientUsageReport> Clients, UsageTotals Totals);

/// <summary>Running sums, in decimal, of usage lines.</summary>
internal sealed class UsageSum
{
    private long _requests, _errors, _input, _cached, _output, _hits, _savedIn, _savedOut, _unpriced;
    private long _estimatedRequests, _estimatedIn, _estimatedOut, _reasoning, _audioIn, _audioOut;
    private decimal _cost, _saved;

    public void Add(UsageLine line)
    {
        Add(line.Requests, line.Errors, line.InputTokens, line.CachedInputTokens, line.OutputTokens,
            line.CacheHits, line.SavedInputTokens, line.SavedOutputTokens, line.UnpricedRequests, line.Cost, line.SavedCost);
        AddEstimated(line.EstimatedRequests, line.EstimatedInputTokens, line.EstimatedOutputTokens);
        AddDetails(line.ReasoningTokens, line.AudioInputTokens, line.AudioOutputTokens);
    }

    public void Add(UsageTotals totals)
    {
        Add(totals.Requests, totals.Errors, totals.InputTokens, totals.CachedInputTokens, totals.OutputTokens,
            totals.CacheHits, totals.SavedInputTokens, totals.SavedOutputTokens, totals.UnpricedRequests, totals.Cost, totals.SavedCost);
        AddEstimated(totals.EstimatedRequests, totals.EstimatedInputTokens, totals.EstimatedOutputTokens);
        AddDetails(totals.ReasoningTokens, totals.AudioInputTokens, totals.AudioOutputTokens);
    }

    private void AddDetails(long reasoning, long audioIn, long audioOut)
    {
        _reasoning += reasoning;
        _audioIn += audioIn;
        _audioOut += audioOut;
    }

    private void AddEstimated(long requests, long input, long output)
    {
        _estimatedRequests += requests;
        _estimatedIn += input;
        _estimatedOut += output;
    }

    private void Add(long requests, long errors, long input, long cached, long output, long hits, long savedIn, long savedOut, long unpriced,
        string? cost, string? saved)
    {
        _requests += requests;
        _errors += errors;
        _input += input;
        _cached += cached;
        _output += output;
        _hits += hits;
        _savedIn += savedIn;
        _savedOut += savedOut;
        _unpriced += unpriced;
        _cost += Parse(cost);
        _saved += Parse(saved);
    }

    public UsageTotals ToTotals() => new(_requests, _errors, _input, _cached, _output, _input + _output, _hits, _savedIn, _savedOut,
        Format(_cost), Format(_saved), _unpriced)
    {
        EstimatedRequests = _estimatedRequests,
        EstimatedInputTokens = _estimatedIn,
        EstimatedOutputTokens = _estimatedOut,
        ReasoningTokens = _reasoning,
        AudioInputTokens = _audioIn,
        AudioOutputTokens = _audioOut,
    };

    internal static decimal Parse(string? value) =>
        value is null ? 0m : decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture);

    /// <summary>Invariant, without trailing zeros beyond what the value holds.</summary>
    internal static string Format(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ClientUsageReport))]
[JsonSerializable(typeof(AdminUsageReport))]
internal sealed partial class UsageJsonContext : JsonSerializerContext;
