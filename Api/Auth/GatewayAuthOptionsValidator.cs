using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Auth;

internal sealed class GatewayAuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<GatewayAuthOptions>
{
    /// <summary>
    /// Hashes of the development keys the README publishes (<c>aoai-dev-key</c>, <c>aoai-dev-admin-key</c>, in
    /// <c>appsettings.Development.json</c>): anyone can read them, so outside Development they must not open anything.
    /// </summary>
    internal static readonly string[] PublishedDevelopmentKeyHashes =
    [
        "bed5cd1af972465633fca4ed87983ea7ba6e6d86fbe3cde1b7ef63cb9b87dc4b",
        "21f9cabd0472071242ce927ad919b04dd28e4ee7be83d5368507dce9f918ffbe",
    ];

    public ValidateOptionsResult Validate(string? name, GatewayAuthOptions options)
    {
        var errors = new List<string>();
        if (!environment.IsDevelopment())
        {
            RefuseDevelopmentKeys(options, errors);
        }

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

            if (string.IsNullOrEmpty(c.KeyHash) && c.EntraId is { HasMatcher: true })
            {
                // Keyless: reached only with an Entra ID token (checked below).
            }
            else if (!KeyHasher.IsHash(c.KeyHash))
            {
                errors.Add($"{key}:KeyHash must be the hash of the key (HMAC-SHA256 with Gateway:KeyHashPepper, or SHA-256 without one) as 64 hex characters.");
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
            errors.Add("Gateway:AdminKeyHash must be the hash of the admin key (HMAC-SHA256 with Gateway:KeyHashPepper, or SHA-256 without one) as 64 hex characters.");
        }

        if (options.KeyHashPepper is { Length: > 0 and < MinPepperLength })
        {
            errors.Add($"Gateway:KeyHashPepper must be at least {MinPepperLength} characters (e.g. openssl rand -base64 32), or empty for unpeppered SHA-256.");
        }

        Entra.EntraIdSettings.Validate(options, environment, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Shortest pepper accepted: 32 characters of base64 carry 192 bits, more than any guess can cover.</summary>
    internal const int MinPepperLength = 32;

    private void RefuseDevelopmentKeys(GatewayAuthOptions options, List<string> errors)
    {
        for (var i = 0; i < options.Clients.Count; i++)
        {
            if (IsDevelopmentKey(options.Clients[i].KeyHash))
            {
                errors.Add($"Gateway:Clients:{i}:KeyHash is the hash of a development key published in the README; it is refused in the '{environment.EnvironmentName}' environment. Generate a key of your own (README, Client settings).");
            }
        }

        if (IsDevelopmentKey(options.AdminKeyHash))
        {
            errors.Add($"Gateway:AdminKeyHash is the hash of the development admin key published in the README; it is refused in the '{environment.EnvironmentName}' environment. Generate a key of your own (README, Client settings).");
        }
    }

    private static bool IsDevelopmentKey(string? hash)
        => hash is not null && Array.IndexOf(PublishedDevelopmentKeyHashes, hash.ToLowerInvariant()) >= 0;

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
