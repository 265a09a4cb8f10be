using AspireAoai.Api.Responses;

namespace AspireAoai.Api.Apis;

public static class ApisExtensions
{
    /// <summary>The request pipeline behind the endpoints, and source-generated JSON for the admin API.</summary>
    public static IHostApplicationBuilder AddGatewayApis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayHandler>();
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJsonContext.Default));
        builder.Services.AddProblemDetails();
        builder.AddUsageApi();
        builder.AddResponsesApi();
        return builder;
    }
}
