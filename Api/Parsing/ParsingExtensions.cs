using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Parsing;

public static class ParsingExtensions
{
    /// <summary>Body reading with the size limit of <c>Gateway:MaxRequestBodyBytes</c>.</summary>
    public static IHostApplicationBuilder AddRequestParsing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RequestLimitsOptions>().BindConfiguration("Gateway").ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RequestLimitsOptions>, RequestLimitsOptionsValidator>();
        builder.Services.AddSingleton<RequestBodyReader>();
        return builder;
    }
}
