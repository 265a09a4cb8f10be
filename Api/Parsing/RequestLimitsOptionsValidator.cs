using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Parsing;

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
