using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Parsing;

public static class ParsingExtensions
{
    /// <summary>
    /// Body reading with the size limit of <c>Gateway:MaxRequestBodyBytes</c>, and Kestrel's minimum body data rate
    /// from <c>Gateway:MinRequestBodyBytesPerSecond</c> / <c>Gateway:RequestBodyGracePeriod</c>.
    /// </summary>
    public static IHostApplicationBuilder AddRequestParsing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RequestLimitsOptions>().BindConfiguration("Gateway").ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RequestLimitsOptions>, RequestLimitsOptionsValidator>();
        builder.Services.AddSingleton<RequestBodyReader>();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<RequestLimitsOptions>>(static (kestrel, limits) =>
        {
            var o = limits.Value;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(o.MinRequestBodyBytesPerSecond, o.RequestBodyGracePeriod);
        });
        return builder;
    }
}
