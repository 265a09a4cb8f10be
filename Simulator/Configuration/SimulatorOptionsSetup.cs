using Microsoft.Extensions.Options;

namespace AspireAoai.Simulator.Configuration;

/// <summary>Fills in defaults after binding: the default deployment list, models and kinds from names.</summary>
internal sealed class SimulatorOptionsPostConfigure : IPostConfigureOptions<SimulatorOptions>
{
    public void PostConfigure(string? name, SimulatorOptions options)
    {
        // Defaults live in code, not appsettings.json: a configured list (Simulator__Deployments__0__Name=...)
        // would otherwise be merged index by index into the defaults instead of replacing them.
        if (options.Deployments.Count == 0)
        {
            options.Deployments = DeploymentDefaults.Create();
        }

        foreach (var deployment in options.Deployments)
        {
            if (string.IsNullOrWhiteSpace(deployment.Model) && !string.IsNullOrWhiteSpace(deployment.Name))
            {
                deployment.Model = DeploymentDefaults.ModelFor(deployment.Name);
            }

            if (string.IsNullOrWhiteSpace(deployment.Kind) && !string.IsNullOrWhiteSpace(deployment.Model))
            {
                deployment.Kind = DeploymentDefaults.KindFor(deployment.Model);
            }

            deployment.Kind = deployment.Kind?.Trim().ToLowerInvariant();
        }
    }
}

/// <summary>Fails the start with a message naming the bad key.</summary>
internal sealed class SimulatorOptionsValidator : IValidateOptions<SimulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, SimulatorOptions options)
    {
        var failures = new List<string>();
        const string prefix = SimulatorOptions.SectionName;

        if (options.Latency.TimeToFirstTokenMs < 0)
        {
            failures.Add($"{prefix}:Latency:TimeToFirstTokenMs must be 0 or more.");
        }

        if (options.Latency.PerTokenMs < 0)
        {
            failures.Add($"{prefix}:Latency:PerTokenMs must be 0 or more.");
        }

        if (options.Latency.ChunkIntervalMs < 0)
        {
            failures.Add($"{prefix}:Latency:ChunkIntervalMs must be 0 or more.");
        }

        if (options.Answer.MinTokens < 1 || options.Answer.MinTokens > AnswerOptions.Ceiling)
        {
            failures.Add($"{prefix}:Answer:MinTokens must be between 1 and {AnswerOptions.Ceiling}.");
        }

        if (options.Answer.MaxTokens < options.Answer.MinTokens || options.Answer.MaxTokens > AnswerOptions.Ceiling)
        {
            failures.Add($"{prefix}:Answer:MaxTokens must be at least {prefix}:Answer:MinTokens and at most {AnswerOptions.Ceiling}.");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Deployments.Count; i++)
        {
            var deployment = options.Deployments[i];
            var key = $"{prefix}:Deployments:{i}";
            if (string.IsNullOrWhiteSpace(deployment.Name))
            {
                failures.Add($"{key}:Name is required.");
            }
            else if (!names.Add(deployment.Name))
            {
                failures.Add($"{key}:Name '{deployment.Name}' is configured twice.");
            }

            if (deployment.Kind is not (DeploymentDefaults.Chat or DeploymentDefaults.Embeddings))
            {
                failures.Add($"{key}:Kind must be 'chat' or 'embeddings' (was '{deployment.Kind}').");
            }

            if (deployment.Tpm <= 0)
            {
                failures.Add($"{key}:Tpm must be greater than 0.");
            }

            if (deployment.Rpm <= 0)
            {
                failures.Add($"{key}:Rpm must be greater than 0.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
