using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Auth;

internal sealed class GatewayAuthOptionsValidator : IValidateOptions<GatewayAuthOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayAuthOptions options)
    {
        var errors = new List<string>();
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

            if (!KeyHasher.IsHash(c.KeyHash))
            {
                errors.Add($"{key}:KeyHash must be the SHA-256 of the key as 64 hex characters.");
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
        }

        if (!string.IsNullOrEmpty(options.AdminKeyHash) && !KeyHasher.IsHash(options.AdminKeyHash))
        {
            errors.Add("Gateway:AdminKeyHash must be the SHA-256 of the admin key as 64 hex characters.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
