using AspireAoai.Api.Responses;
using AspireAoai.Api.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireAoai.Api.Apis;

public static class ApisExtensions
{
    /// <summary>The request pipeline behind the endpoints, and source-generated JSON for the admin API.</summary>
    public static IHostApplicationBuilder AddGatewayApis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayHandler>();
        // The completion's seams default to doing nothing, so the features may be added in any order (or left out).
        builder.Services.TryAddSingleton<RequestCompletion>();
        builder.Services.TryAddSingleton<IUsageReporter, NoUsageReporter>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJsonContext.Default));
        builder.Services.AddProblemDetails();
        builder.AddResponsesApi();
        return builder;
    }
}
