using Microsoft.Extensions.Options;

namespace AspireAoai.Accounting.Pricing;

/// <summary>Checks the price table at start; every message names the configuration key at fault.</summary>
public sealed class PricingOptionsValidator : IValidateOptions<PricingOptions>
{
    public ValidateOptionsResult Validate(string? name, PricingOptions options)
    {
        var errors = new List<string>();
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Models.Count; i++)
        {
            var model = options.Models[i];
            var key = $"{PricingOptions.SectionName}:Models:{i}";
            if (model is null)
            {
                errors.Add($"{key} is empty.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(model.Model))
            {
                errors.Add($"{key}:Model is required.");
            }
            else
            {
                Claim(model.Model, $"{key}:Model");
            }

            for (var a = 0; a < model.Aliases.Count; a++)
            {
                if (string.IsNullOrWhiteSpace(model.Aliases[a])) errors.Add($"{key}:Aliases:{a} is empty.");
                else Claim(model.Aliases[a], $"{key}:Aliases:{a}");
            }

            if (model.Prices.Count == 0)
            {
                errors.Add($"{key}:Prices needs at least one entry.");
            }

            var dates = new HashSet<DateOnly>();
            for (var p = 0; p < model.Prices.Count; p++)
            {
                var price = model.Prices[p];
                var pkey = $"{key}:Prices:{p}";
                if (price is null)
                {
                    errors.Add($"{pkey} is empty.");
                    continue;
                }

                if (price.EffectiveFrom == default) errors.Add($"{pkey}:EffectiveFrom is required (a date, e.g. 2024-01-01).");
                else if (!dates.Add(price.EffectiveFrom)) errors.Add($"{pkey}:EffectiveFrom {price.EffectiveFrom:yyyy-MM-dd} is listed twice for {model.Model}.");
                if (price.InputPerMillion < 0) errors.Add($"{pkey}:InputPerMillion must not be negative.");
                if (price.CachedInputPerMillion < 0) errors.Add($"{pkey}:CachedInputPerMillion must not be negative.");
                if (price.OutputPerMillion < 0) errors.Add($"{pkey}:OutputPerMillion must not be negative.");
                if (price.AudioInputPerMillion < 0) errors.Add($"{pkey}:AudioInputPerMillion must not be negative.");
                if (price.AudioOutputPerMillion < 0) errors.Add($"{pkey}:AudioOutputPerMillion must not be negative.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        void Claim(string modelName, string key)
        {
            if (!names.TryAdd(modelName, key))
            {
                errors.Add($"{key}: '{modelName}' is already used by {names[modelName]}.");
            }
        }
    }
}
