using AspireAoai.Api.Auth;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Budgets;

/// <summary>How budgets reserve a request's worst-case cost (section <c>Gateway:Budgets</c>).</summary>
public sealed class BudgetOptions
{
    public const string SectionName = "Gateway:Budgets";

    /// <summary>
    /// How long a reservation holds budget when its request never settles (its replica died, or the usage record was
    /// lost): the longest a request can last. Settled requests release theirs at once.
    /// </summary>
    public TimeSpan ReservationTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Output tokens reserved for a request that sets no <c>max_tokens</c> / <c>max_completion_tokens</c> (per choice).</summary>
    public int DefaultMaxOutputTokens { get; set; } = 16_384;

    /// <summary>Per logical model: the output tokens reserved when a request sets no maximum (overrides the default).</summary>
    public IDictionary<string, int> MaxOutputTokens { get; set; } = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Expiry granularity of reservations: they expire between the timeout and the timeout plus this.</summary>
    internal const int ReservationBucketMs = 10_000;
}

/// <summary>A budget shared by several clients (<c>Gateway:BudgetGroups:{i}</c>).</summary>
public sealed class BudgetGroupOptions
{
    /// <summary>The group's id, named by each member's <c>Gateway:Clients:{i}:BudgetGroup</c>.</summary>
    public string Id { get; set; } = "";

    /// <summary>The most USD the group's clients may spend together per UTC day; null = none.</summary>
    public decimal? DailyUsd { get; set; }

    /// <summary>The most USD the group's clients may spend together per UTC calendar month; null = none.</summary>
    public decimal? MonthlyUsd { get; set; }

    /// <summary>Share of a budget (1-100 %) at which a warning is logged and counted once per period.</summary>
    public int SoftLimitPercent { get; set; } = 80;
}

/// <summary>The shared budgets (section <c>Gateway</c>, key <c>BudgetGroups</c>).</summary>
public sealed class BudgetGroupsOptions
{
    public IList<BudgetGroupOptions> BudgetGroups { get; set; } = new List<BudgetGroupOptions>();
}

/// <summary>Validates <see cref="BudgetOptions"/>: a bad value fails the start naming its key.</summary>
internal sealed class BudgetOptionsValidator : IValidateOptions<BudgetOptions>
{
    public ValidateOptionsResult Validate(string? name, BudgetOptions options)
    {
        var errors = new List<string>();
        if (options.ReservationTimeout < TimeSpan.FromSeconds(10) || options.ReservationTimeout > TimeSpan.FromDays(1))
        {
            errors.Add($"{BudgetOptions.SectionName}:ReservationTimeout must be between 10 seconds and 1 day.");
        }

        if (options.DefaultMaxOutputTokens < 1)
        {
            errors.Add($"{BudgetOptions.SectionName}:DefaultMaxOutputTokens must be at least 1.");
        }

        foreach (var (model, tokens) in options.MaxOutputTokens)
        {
            if (tokens < 1)
            {
                errors.Add($"{BudgetOptions.SectionName}:MaxOutputTokens:{model} must be at least 1.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

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
