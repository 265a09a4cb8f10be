using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Configuration;

internal sealed class SettingsCheckValidator(IConfiguration configuration) : IValidateOptions<SettingsCheck>
{
    public ValidateOptionsResult Validate(string? name, SettingsCheck options)
    {
        var owned = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (path, _) in SettingsCheckExtensions.Sections)
        {
            owned.Add(path);
        }

        var errors = new List<string>();
        foreach (var (path, types) in SettingsCheckExtensions.Sections)
        {
            KnownSettings.FindUnknown(configuration.GetSection(path), types, owned, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
