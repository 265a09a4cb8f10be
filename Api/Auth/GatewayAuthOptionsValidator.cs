using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Auth;

internal sealed class GatewayAuthOptionsValidator : IValidateOptions<GatewayAuthOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayAuthOptions options)
    {
        var errors = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Clients.Count; i++)
        {
            var c = options.Clients[i];
            var key = $"Gateway:Clients:{i}";
            if (string.IsNullOrWhiteSpace(c.Id))
            {
                errors.Add($"{key}:Id is required.");
            }
            else if (!ids.Add(c.Id))
            {
                errors.Add($"{key}:Id '{c.Id}' is used by another client.");
            }

            if (!KeyHasher.IsHash(c.KeyHash))
            {
                errors.Add($"{key}:KeyHash must be the SHA-256 of the key as 64 hex characters.");
            }
            else if (!hashes.Add(c.KeyHash))
            {
                errors.Add($"{key}:KeyHash is the same as another client's.");
            }

            for (var m = 0; m < c.AllowedModels.Count; m++)
            {
                if (string.IsNullOrWhiteSpace(c.AllowedModels[m]))
                {
                    errors.Add($"{key}:AllowedModels:{m} is empty.");
                }
            }

            if (c.MaxConcurrentRequests is < 0 or > 100_000)
            {
                errors.Add($"{key}:MaxConcurrentRequests must be between 0 (no cap) and 100000 (leave it out for Gateway:RateLimits:MaxConcurrentRequests).");
            }

            if (c.Budget is { } budget)
            {
                ValidateBudget(budget, key + ":Budget", errors);
            }
        }

        if (!string.IsNullOrEmpty(options.AdminKeyHash) && !KeyHasher.IsHash(options.AdminKeyHash))
        {
            errors.Add("Gateway:AdminKeyHash must be the SHA-256 of the admin key as 64 hex characters.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The largest budget: its picodollars (1e-12 USD) must fit the 64-bit spend counters with room to spare.</summary>
    internal const decimal MaxBudgetUsd = 1_000_000m;

    private static void ValidateBudget(ClientBudgetOptions budget, string key, List<string> errors)
    {
        Amount(budget.DailyUsd, key + ":DailyUsd", errors);
        Amount(budget.MonthlyUsd, key + ":MonthlyUsd", errors);
        if (budget.DailyUsd is { } day && budget.MonthlyUsd is { } month && day > month)
        {
            errors.Add($"{key}:DailyUsd must not exceed {key}:MonthlyUsd.");
        }

        if (budget.SoftLimitPercent is < 1 or > 100)
        {
            errors.Add($"{key}:SoftLimitPercent must be between 1 and 100.");
        }
    }

    private static void Amount(decimal? usd, string key, List<string> errors)
    {
        if (usd is { } v && (v <= 0 || v > MaxBudgetUsd))
        {
            errors.Add($"{key} must be a positive amount in USD of at most {MaxBudgetUsd:0} (leave it out for no budget).");
        }
    }
}
