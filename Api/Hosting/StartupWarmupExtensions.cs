using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Hosting;

public static class StartupWarmupExtensions
{
    /// <summary>Registers the warm-up. Call it after the features it warms, so their own start-up has begun.</summary>
    public static IHostApplicationBuilder AddStartupWarmup(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WarmupOptions>().BindConfiguration(WarmupOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WarmupOptions>, WarmupOptionsValidator>();
        builder.Services.AddHostedService<StartupWarmup>();
        return builder;
    }
}
