using AspireAoai.Api.Auth;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Budgets;

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
