using Microsoft.Extensions.Options;

namespace AspireAoai.Api.RateLimiting;

/// <summary>Validates the rate-limit fields of <c>Gateway:Clients</c>.</summary>
internal sealed class ClientRateLimitsOptionsValidator : IValidateOptions<ClientRateLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, ClientRateLimitsOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.Clients.Count; i++)
        {
            var c = options.Clients[i];
            var key = $"Gateway:Clients:{i}";
            RateLimitOptionsValidator.Positive(c.Rpm, key + ":Rpm", errors);
            RateLimitOptionsValidator.Positive(c.Tpm, key + ":Tpm", errors);
            RateLimitOptionsValidator.Positive(c.TokensPerDay, key + ":TokensPerDay", errors);
            RateLimitOptionsValidator.Positive(c.TokensPerMonth, key + ":TokensPerMonth", errors);
            if (c.FailureMode is { } mode && !Enum.IsDefined(mode))
            {
                errors.Add($"{key}:FailureMode must be FailOpen or FailClosed.");
            }

            if (c.TokensPerDay is { } day && c.TokensPerMonth is { } month && day > month)
            {
                errors.Add($"{key}:TokensPerDay must not exceed {key}:TokensPerMonth.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
