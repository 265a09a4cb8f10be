using Microsoft.Extensions.Options;

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

internal sealed class RequestLimitsOptionsValidator : IValidateOptions<RequestLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, RequestLimitsOptions options)
    {
        var errors = new List<string>();
        if (options.MaxRequestBodyBytes is < 1024 or > 1024L * 1024 * 1024)
        {
            errors.Add("Gateway:MaxRequestBodyBytes must be between 1024 and 1073741824.");
        }

        if (double.IsNaN(options.MinRequestBodyBytesPerSecond) || options.MinRequestBodyBytesPerSecond is < 1 or > 1_000_000_000)
        {
            errors.Add("Gateway:MinRequestBodyBytesPerSecond must be between 1 and 1000000000 (bytes per second).");
        }

        // Kestrel refuses a grace period of its heartbeat (1 s) or less.
        if (options.RequestBodyGracePeriod <= TimeSpan.FromSeconds(1) || options.RequestBodyGracePeriod > TimeSpan.FromMinutes(5))
        {
            errors.Add("Gateway:RequestBodyGracePeriod must be more than 1 s and at most 5 minutes (e.g. 00:00:05).");
        }

        if (options.RequestBodyTimeout < TimeSpan.FromSeconds(1) || options.RequestBodyTimeout > TimeSpan.FromHours(1))
        {
            errors.Add("Gateway:RequestBodyTimeout must be between 1 s and 1 hour (e.g. 00:01:00).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
