using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Parsing;

/// <summary>Request size limit (<c>Gateway:MaxRequestBodyBytes</c>).</summary>
public sealed class RequestLimitsOptions
{
    /// <summary>Largest request body accepted; larger ones get 413. Images sent inline make bodies large.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;
}

internal sealed class RequestLimitsOptionsValidator : IValidateOptions<RequestLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, RequestLimitsOptions options)
        => options.MaxRequestBodyBytes is >= 1024 and <= 1024L * 1024 * 1024
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Gateway:MaxRequestBodyBytes must be between 1024 and 1073741824.");
}
