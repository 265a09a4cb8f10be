namespace AspireAoai.Api.Auth.Entra;

/// <summary>Start-time checks of <c>Gateway:EntraId</c> and the clients' <c>EntraId</c> matchers; messages name the key.</summary>
internal static class EntraIdSettings
{
    public static void Validate(GatewayAuthOptions options, IHostEnvironment environment, List<string> errors)
    {
        var entra = options.EntraId;
        var anyMatcher = false;
        var appIds = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var objectIds = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var roles = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Clients.Count; i++)
        {
            if (options.Clients[i].EntraId is not { } matcher)
            {
                continue;
            }

            var key = $"Gateway:Clients:{i}:EntraId";
            anyMatcher |= matcher.HasMatcher;
            Claim(matcher.AppIds, key + ":AppIds", appIds, errors);
            Claim(matcher.ObjectIds, key + ":ObjectIds", objectIds, errors);
            Claim(matcher.Roles, key + ":Roles", roles, errors);
        }

        if (!entra.Enabled)
        {
            return;
        }

        if (!Guid.TryParse(entra.TenantId, out _))
        {
            errors.Add("Gateway:EntraId:TenantId must be the directory (tenant) id, a GUID.");
        }

        if (entra.Audiences.Count == 0)
        {
            errors.Add("Gateway:EntraId:Audiences needs at least one entry: the gateway app registration's application id URI (api://...) or client id.");
        }

        for (var a = 0; a < entra.Audiences.Count; a++)
        {
            if (string.IsNullOrWhiteSpace(entra.Audiences[a])) errors.Add($"Gateway:EntraId:Audiences:{a} is empty.");
        }

        for (var s = 0; s < entra.Issuers.Count; s++)
        {
            if (!Uri.TryCreate(entra.Issuers[s], UriKind.Absolute, out _)) errors.Add($"Gateway:EntraId:Issuers:{s} must be an absolute URL.");
        }

        if (!Uri.TryCreate(entra.Authority, UriKind.Absolute, out var authority) || authority.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add("Gateway:EntraId:Authority must be an absolute https URL, e.g. https://login.microsoftonline.com/.");
        }

        if (!Uri.TryCreate(entra.EffectiveMetadataAddress, UriKind.Absolute, out var metadata)
            || (metadata.Scheme != Uri.UriSchemeHttps && (metadata.Scheme != Uri.UriSchemeHttp || entra.RequireHttpsMetadata)))
        {
            errors.Add("Gateway:EntraId:MetadataAddress must be an absolute https URL (http only with Gateway:EntraId:RequireHttpsMetadata false).");
        }

        if (!entra.RequireHttpsMetadata && !environment.IsDevelopment())
        {
            errors.Add($"Gateway:EntraId:RequireHttpsMetadata may be false only in the Development environment (this is '{environment.EnvironmentName}'): signing keys fetched over http could be replaced on the way.");
        }

        if (entra.MetadataRefreshInterval < TimeSpan.FromMinutes(1) || entra.MetadataMinimumRefreshInterval < TimeSpan.FromSeconds(1)
            || entra.MetadataMinimumRefreshInterval > entra.MetadataRefreshInterval)
        {
            errors.Add("Gateway:EntraId:MetadataRefreshInterval must be at least 1 minute and MetadataMinimumRefreshInterval between 1 second and it.");
        }

        if (entra.ClockSkew < TimeSpan.Zero || entra.ClockSkew > TimeSpan.FromMinutes(10))
        {
            errors.Add("Gateway:EntraId:ClockSkew must be between 0 and 10 minutes.");
        }

        if (!anyMatcher)
        {
            errors.Add("Gateway:EntraId:Enabled is true but no client has Gateway:Clients:{i}:EntraId AppIds, ObjectIds or Roles: every token would be refused.");
        }
    }

    private static void Claim(IList<string> values, string key, Dictionary<string, string> seen, List<string> errors)
    {
        for (var v = 0; v < values.Count; v++)
        {
            var value = values[v]?.Trim();
            if (string.IsNullOrEmpty(value))
            {
                errors.Add($"{key}:{v} is empty.");
            }
            else if (!seen.TryAdd(value, $"{key}:{v}"))
            {
                errors.Add($"{key}:{v} '{value}' is already mapped by {seen[value]}: a token must lead to one client.");
            }
        }
    }
}
