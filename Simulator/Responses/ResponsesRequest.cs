namespace AspireAoai.Simulator.Responses;

/// <summary>A function tool of the request: its name and the JSON schema of its parameters (null when absent).</summary>
internal sealed record FunctionTool(string Name, string? ParametersJson);

/// <summary>
/// The parts of a Responses create the simulator acts on. Values echoed back in the response object are kept
/// as the JSON text the caller sent (null when absent), so the echo is exact without modelling every option.
/// </summary>
internal sealed class ResponsesRequest
{
    public string? Model { get; set; }

    public List<ResponseItem> Input { get; } = [];

    public string? Instructions { get; set; }

    public List<FunctionTool> FunctionTools { get; } = [];

    /// <summary>The <c>tools</c> array as sent.</summary>
    public string? ToolsJson { get; set; }

    /// <summary>The <c>tool_choice</c> as sent: <c>"auto"</c>, <c>"none"</c>, <c>"required"</c> or an object.</summary>
    public string? ToolChoiceJson { get; set; }

    /// <summary><c>none</c>, <c>auto</c>, <c>required</c>, or null when a named function is forced (<see cref="ForcedFunction"/>).</summary>
    public string ToolChoiceMode { get; set; } = "auto";

    public string? ForcedFunction { get; set; }

    public int? MaxOutputTokens { get; set; }

    public double? Temperature { get; set; }

    public double? TopP { get; set; }

    public bool Store { get; set; } = true;

    public bool Stream { get; set; }

    public bool Background { get; set; }

    public bool ParallelToolCalls { get; set; } = true;

    public string? PreviousResponseId { get; set; }

    public string? TextJson { get; set; }

    public string? ReasoningJson { get; set; }

    public string? MetadataJson { get; set; }

    public string? User { get; set; }

    public string? Truncation { get; set; }
}
