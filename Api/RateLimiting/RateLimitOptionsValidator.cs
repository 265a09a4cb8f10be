using Microsoft.Extensions.Options;

namespace AspireAoai.Api.RateLimiting;

/// <summary>Fails the start with a message naming the key when a limit or a rate-limit setting makes no sense.</summary>
internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    private const string Prefix = RateLimitOptions.SectionName + ":";

    /// <summary>The largest cap of concurrent requests per client and replica.</summary>
    internal const int MaxConcurrentRequests = 100_000;

    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var errors = new List<string>();
        Positive(options.Rpm, Prefix + "Rpm", errors);
        Positive(options.Tpm, Prefix + "Tpm", errors);
        Positive(options.TokensPerDay, Prefix + "TokensPerDay", errors);
        Positive(options.TokensPerMonth, Prefix + "TokensPerMonth", errors);
        Positive(options.DeploymentTpm, Prefix + "DeploymentTpm", errors);
        Positive(options.DeploymentRpm, Prefix + "DeploymentRpm", errors);
        if (options.DeploymentHeadroom is <= 0 or > 1 || double.IsNaN(options.DeploymentHeadroom))
        {
            errors.Add(Prefix + "DeploymentHeadroom must be greater than 0 and at most 1.");
        }

        if (options.DefaultCompletionTokens is < 1 or > 1_000_000)
        {
            errors.Add(Prefix + "DefaultCompletionTokens must be between 1 and 1000000.");
        }

        if (options.LeaseMinRequests < 1)
        {
            errors.Add(Prefix + "LeaseMinRequests must be at least 1.");
        }

        if (options.LeaseMaxShare is <= 0 or > 0.5 || double.IsNaN(options.LeaseMaxShare))
        {
            errors.Add(Prefix + "LeaseMaxShare must be greater than 0 and at most 0.5.");
        }

        if (options.BucketMilliseconds is < 100 or > 10_000 || 60_000 % options.BucketMilliseconds != 0)
        {
            errors.Add(Prefix + "BucketMilliseconds must divide 60000 and lie between 100 and 10000 (e.g. 250, 500, 1000).");
        }

        if (!Enum.IsDefined(options.FailureMode))
        {
            errors.Add(Prefix + "FailureMode must be FailOpen or FailClosed.");
        }

        if (!Enum.IsDefined(options.BudgetFailureMode))
        {
            errors.Add(Prefix + "BudgetFailureMode must be FailOpen or FailClosed.");
        }

        if (options.FallbackReplicas is < 1 or > 1000)
        {
            errors.Add(Prefix + "FallbackReplicas must be between 1 and 1000.");
        }

        if (options.RedisTimeout <= TimeSpan.Zero || options.RedisTimeout > TimeSpan.FromSeconds(10))
        {
            errors.Add(Prefix + "RedisTimeout must be a positive time span of at most 10 s (e.g. 00:00:00.250).");
        }

        if (options.RedisRetryInterval <= TimeSpan.Zero || options.RedisRetryInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add(Prefix + "RedisRetryInterval must be a positive time span of at most 5 minutes.");
        }

        if (options.MaxConcurrentRequests is < 0 or > MaxConcurrentRequests)
        {
            errors.Add(Prefix + $"MaxConcurrentRequests must be between 0 (no cap) and {MaxConcurrentRequests}.");
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionName))
        {
            errors.Add(Prefix + "ConnectionName is required.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static void Positive(long? value, string key, List<string> errors)
    {
        if (value is <= 0)
        {
            errors.Add($"{key} must be a positive number (leave it out for no limit).");
        }
    }
}
