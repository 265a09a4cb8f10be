using System.Globalization;

namespace AspireAoai.Api.UsageReports;

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
