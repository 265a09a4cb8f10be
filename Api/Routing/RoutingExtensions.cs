using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Routing;

public static class RoutingExtensions
{
    /// <summary>Deployments, pools, cool-downs and the retry budget (<c>Gateway:Deployments</c>, <c>Gateway:Routing</c>).</summary>
    public static IHostApplicationBuilder AddGatewayRouting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UpstreamOptions>().BindConfiguration(UpstreamOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<UpstreamOptions>, UpstreamOptionsValidator>();
        builder.Services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RoutingOptions>, RoutingOptionsValidator>();
        builder.Services.AddSingleton<CooldownPolicy>();
        builder.Services.AddSingleton<DeploymentCatalog>();
        builder.Services.TryAddSingleton<IDeploymentCapacity, UnlimitedDeploymentCapacity>();
        return builder;
    }
}
