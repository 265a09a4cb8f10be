using System.ComponentModel.DataAnnotations;

namespace AspireAoai.Api.Responses;

/// <summary>The Responses API's settings (section <c>Gateway:Responses</c>).</summary>
public sealed class ResponsesOptions
{
    public const string SectionName = "Gateway:Responses";

    /// <summary>
    /// How long the gateway remembers which deployment (and client) made a response: as long as the upstream keeps it.
    /// Azure OpenAI keeps stored responses 30 days. A follow-up on an id older than this gets 404, as upstream would.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long a follow-up (get, delete, cancel, input items) waits for the upstream's response headers.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan FollowUpTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
