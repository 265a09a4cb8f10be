using AspireAoai.Api.Auth;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Caching;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Routing;
using AspireAoai.Api.Usage;
using AspireAoai.Api.UsageReports;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Configuration;

/// <summary>
/// Fails the start when the <c>Gateway</c> section holds a key no options type binds. The binder ignores unknown keys,
/// so a misspelt limit (<c>TokensPerMinute</c> for <c>Tpm</c>) would leave a client unlimited without a word.
/// </summary>
public static class SettingsCheckExtensions
{
    /// <summary>
    /// Each section of the gateway's configuration and the options types bound to it. A property added to one of these
    /// types is accepted at once; a new options type bound under <c>Gateway</c> must be added here.
    /// </summary>
    internal static readonly (string Path, Type[] Types)[] Sections =
    [
        ("Gateway", [typeof(GatewayAuthOptions), typeof(ClientRateLimitsOptions), typeof(RequestLimitsOptions), typeof(UpstreamOptions), typeof(BudgetGroupsOptions), typeof(Hosting.ListenerOptions)]),
        (RoutingOptions.SectionName, [typeof(RoutingOptions)]),
        (RateLimitOptions.SectionName, [typeof(RateLimitOptions)]),
        (CacheOptions.SectionName, [typeof(CacheOptions)]),
        (UsageOptions.SectionName, [typeof(UsageOptions)]),
        (UsageApiOptions.SectionName, [typeof(UsageApiOptions)]),
        (BudgetOptions.SectionName, [typeof(BudgetOptions)]),
        (Responses.ResponsesOptions.SectionName, [typeof(Responses.ResponsesOptions)]),
        (Hosting.WarmupOptions.SectionName, [typeof(Hosting.WarmupOptions)]),
    ];

    /// <summary>Checks, at start, that every key under <c>Gateway</c> is a setting (see <see cref="Sections"/>).</summary>
    public static IHostApplicationBuilder AddSettingsCheck(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SettingsCheck>().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SettingsCheck>>(new SettingsCheckValidator(builder.Configuration));
        return builder;
    }
}
