namespace AspireAoai.Api.Parsing;

/// <summary>Request size and speed limits (section <c>Gateway</c>: <c>Gateway:MaxRequestBodyBytes</c> and the body-rate keys).</summary>
public sealed class RequestLimitsOptions
{
    /// <summary>Largest request body accepted; larger ones get 413. Images sent inline make bodies large.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Slowest a request body may arrive, averaged from the start of the read once <see cref="RequestBodyGracePeriod"/>
    /// has passed (Kestrel's <c>MinRequestBodyDataRate</c>, 240 B/s by default there); a slower sender gets 408.
    /// </summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 4096;

    /// <summary>How long a body may arrive slower than <see cref="MinRequestBodyBytesPerSecond"/> before the rate is checked (more than 1 s).</summary>
    public TimeSpan RequestBodyGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Longest a whole body may take to arrive, whatever its rate: a sender that starts fast and then stalls keeps an
    /// average above the minimum rate for a long time, this bounds it. Slower gets 408.
    /// </summary>
    public TimeSpan RequestBodyTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
