using System.Text.Json.Serialization;

namespace AspireAoai.Bench.Chaos;

/// <summary>One request as the client saw it.</summary>
internal sealed class RequestRecord
{
    public string Kind { get; set; } = "sdk";
    public int Replica { get; set; }
    public int Key { get; set; }
    public bool Stream { get; set; }

    /// <summary>HTTP status of the response headers; 0 when none arrived (connection refused, reset, timeout).</summary>
    public int Status { get; set; }

    /// <summary>Set when the request failed: "http", "conn" (before headers) or "broken" (after headers).</summary>
    public string? Failure { get; set; }
    public string? Detail { get; set; }
    public double LatencyMs { get; set; }
    public string? RequestId { get; set; }
    public long? InputTokens { get; set; }
    public long? OutputTokens { get; set; }
    public long StartMs { get; set; }

    /// <summary>Hostile requests: false when a gateway error was not in the OpenAI error shape.</summary>
    public bool ShapeOk { get; set; } = true;

    /// <summary>Hostile requests: a case that may end without an answer (a request we broke off ourselves).</summary>
    public bool MayGoUnanswered { get; set; }
}

/// <summary>What a phase measured; one JSON line per phase in results.jsonl.</summary>
internal sealed class PhaseResult
{
    public string Phase { get; set; } = "";
    public int Sent { get; set; }
    public int Ok { get; set; }
    public SortedDictionary<string, int> Failed { get; set; } = new(StringComparer.Ordinal);
    public double P99Ms { get; set; }
    public double MaxMs { get; set; }
    public long EventsWritten { get; set; }
    public long Accounted { get; set; }
    public bool TotalsExact { get; set; }
    public List<string> Notes { get; set; } = [];
    public Dictionary<string, double> Numbers { get; set; } = new(StringComparer.Ordinal);
    public bool Pass { get; set; }
    public string Condition { get; set; } = "";
}

[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PhaseResult))]
[JsonSerializable(typeof(List<RequestRecord>))]
internal sealed partial class ChaosJson : JsonSerializerContext;
