using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Routing;

/// <summary>Fails the start with a message naming the key when routing settings make no sense.</summary>
internal sealed class RoutingOptionsValidator : IValidateOptions<RoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        var errors = new List<string>();
        if (options.MaxAttempts is < 1 or > 20)
        {
            errors.Add("Gateway:Routing:MaxAttempts must be between 1 and 20.");
        }

        Positive(options.MaxTotalTime, "MaxTotalTime", errors);
        Positive(options.AttemptTimeout, "AttemptTimeout", errors);
        Positive(options.StreamingAttemptTimeout, "StreamingAttemptTimeout", errors);
        Positive(options.DefaultCooldown, "DefaultCooldown", errors);
        Positive(options.MaxCooldown, "MaxCooldown", errors);
        Positive(options.TimeoutWindow, "TimeoutWindow", errors);
        if (options.TimeoutCooldownClients is < 1 or > 100)
        {
            errors.Add("Gateway:Routing:TimeoutCooldownClients must be between 1 and 100.");
        }

        if (options.NonStreamingTokensPerSecond is < 0 or > 100_000)
        {
            errors.Add("Gateway:Routing:NonStreamingTokensPerSecond must be between 0 (no check) and 100000.");
        }

        if (options.DefaultCooldown > options.MaxCooldown)
        {
            errors.Add("Gateway:Routing:DefaultCooldown must not exceed Gateway:Routing:MaxCooldown.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(TimeSpan value, string key, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"Gateway:Routing:{key} must be a positive time span (e.g. 00:00:10).");
        }
    }
}
