using System.ComponentModel.DataAnnotations;

namespace AspireAoai.Api.UsageReports;

/// <summary>The usage API (section <c>Gateway:UsageApi</c>).</summary>
public sealed class UsageApiOptions
{
    public const string SectionName = "Gateway:UsageApi";

    /// <summary>Longest a usage request waits for Cosmos DB before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Gateway:UsageApi:QueryTimeout must be between 100 ms and 5 minutes.")]
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
