using AspireAoai.Api.Auth;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Budgets;

/// <summary>Validates the groups and that every client's <c>BudgetGroup</c> names one of them.</summary>
internal sealed class BudgetGroupsOptionsValidator(IOptions<GatewayAuthOptions> auth) : IValidateOptions<BudgetGroupsOptions>
{
    public ValidateOptionsResult Validate(string? name, BudgetGroupsOptions options)
    {
        var errors = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.BudgetGroups.Count; i++)
        {
            var g = options.BudgetGroups[i];
            var key = $"Gateway:BudgetGroups:{i}";
            if (string.IsNullOrWhiteSpace(g.Id) || g.Id.Contains(':', StringComparison.Ordinal))
            {
                errors.Add($"{key}:Id is required and must not contain ':'.");
            }
            else if (!ids.Add(g.Id))
            {
                errors.Add($"{key}:Id '{g.Id}' is used by another group.");
            }

            if (g.DailyUsd is null && g.MonthlyUsd is null)
            {
                errors.Add($"{key} needs DailyUsd or MonthlyUsd.");
            }

            Amount(g.DailyUsd, key + ":DailyUsd", errors);
            Amount(g.MonthlyUsd, key + ":MonthlyUsd", errors);
            if (g.DailyUsd is { } day && g.MonthlyUsd is { } month && day > month)
            {
                errors.Add($"{key}:DailyUsd must not exceed {key}:MonthlyUsd.");
            }

            if (g.SoftLimitPercent is < 1 or > 100)
            {
                errors.Add($"{key}:SoftLimitPercent must be between 1 and 100.");
            }
        }

        var clients = auth.Value.Clients;
        for (var i = 0; i < clients.Count; i++)
        {
            if (clients[i].BudgetGroup is { } group && !ids.Contains(group))
            {
                errors.Add($"Gateway:Clients:{i}:BudgetGroup '{group}' names no entry of Gateway:BudgetGroups.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Amount(decimal? usd, string key, List<string> errors)
    {
        if (usd is { } v && (v <= 0 || v > GatewayAuthOptionsValidator.MaxBudgetUsd))
        {
            errors.Add($"{key} must be a positive amount in USD of at most {GatewayAuthOptionsValidator.MaxBudgetUsd:0} (leave it out for no budget).");
        }
    }
}
