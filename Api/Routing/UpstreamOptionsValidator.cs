using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Routing;

/// <summary>Validates <c>Gateway:Deployments</c>: every field a request needs, unique names, sane pools.</summary>
internal sealed class UpstreamOptionsValidator : IValidateOptions<UpstreamOptions>
{
    /// <summary>A pool is tracked per request in a 64-bit set of tried deployments.</summary>
    internal const int MaxDeploymentsPerPool = 64;

    public ValidateOptionsResult Validate(string? name, UpstreamOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var perModel = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Deployments.Count; i++)
        {
            var d = options.Deployments[i];
            var key = $"Gateway:Deployments:{i}";
            if (string.IsNullOrWhiteSpace(d.Name))
            {
                errors.Add($"{key}:Name is required.");
            }
            else if (!names.Add(d.Name))
            {
                errors.Add($"{key}:Name '{d.Name}' is used by another deployment.");
            }

            if (!Uri.TryCreate(d.Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"{key}:Endpoint must be an absolute http(s) URL (got '{d.Endpoint}').");
            }

            if (!IsPathSegment(d.Deployment))
            {
                errors.Add($"{key}:Deployment must be an Azure deployment name (letters, digits, '-', '_', '.').");
            }

            if (string.IsNullOrWhiteSpace(d.Model))
            {
                errors.Add($"{key}:Model is required.");
            }
            else
            {
                perModel[d.Model] = perModel.GetValueOrDefault(d.Model) + 1;
            }

            if (d.Priority < 1)
            {
                errors.Add($"{key}:Priority must be 1 or more (1 is tried first).");
            }

            if (d.Weight is < 1 or > 1000)
            {
                errors.Add($"{key}:Weight must be between 1 and 1000.");
            }

            if (d.ApiKey is not null && string.IsNullOrWhiteSpace(d.ApiKey))
            {
                errors.Add($"{key}:ApiKey is empty; remove it to use managed identity.");
            }

            if (d.ApiVersion is not null && !IsApiVersion(d.ApiVersion))
            {
                errors.Add($"{key}:ApiVersion must look like 2024-10-21 or 2025-04-01-preview (leave it out for Gateway:UpstreamApiVersion).");
            }

            if (d.UseV1Api && d.ApiVersion is not null)
            {
                errors.Add($"{key}:ApiVersion and {key}:UseV1Api exclude each other: the v1 surface takes no api-version.");
            }

            if (d.CapacityTpm is < 0 || d.CapacityRpm is < 0)
            {
                errors.Add($"{key}:CapacityTpm and CapacityRpm must not be negative.");
            }
        }

        foreach (var (model, count) in perModel)
        {
            if (count > MaxDeploymentsPerPool)
            {
                errors.Add($"Gateway:Deployments has {count} deployments of model '{model}'; at most {MaxDeploymentsPerPool} per model.");
            }
        }

        if (!IsApiVersion(options.UpstreamApiVersion))
        {
            errors.Add("Gateway:UpstreamApiVersion must look like 2024-10-21 or 2025-04-01-preview.");
        }

        if (!UpstreamProtocol.IsValidSetting(options.UpstreamHttpVersion))
        {
            errors.Add($"Gateway:UpstreamHttpVersion must be 1.1 or 2 (got '{options.UpstreamHttpVersion}').");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static bool IsPathSegment(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 128)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        return value != "." && value != "..";
    }

    internal static bool IsApiVersion(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > 40)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
