using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Hosting;

internal sealed class WarmupOptionsValidator : IValidateOptions<WarmupOptions>
{
    public ValidateOptionsResult Validate(string? name, WarmupOptions options)
    {
        var errors = new List<string>();
        if (options.UpstreamConnections is < 0 or > 256)
        {
            errors.Add($"{WarmupOptions.SectionName}:UpstreamConnections must be between 0 and 256.");
        }

        if (options.Timeout < TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(2))
        {
            errors.Add($"{WarmupOptions.SectionName}:Timeout must be between 00:00:00 and 00:02:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
