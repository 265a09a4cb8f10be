using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspireAoai.AppHost;

internal static partial class ReadyBanner
{
    /// <summary>Once the Api is healthy, prints where it listens and a request to try, so a first run needs no docs.</summary>
    public static IResourceBuilder<ProjectResource> WithReadyBanner(this IResourceBuilder<ProjectResource> api)
    {
        if (api.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return api;
        }

        api.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(api.Resource, (ready, _) =>
        {
            var logger = ready.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AspireAoai");
            var endpoint = api.GetEndpoint("http");
            LogReady(logger, endpoint.Url);
            return Task.CompletedTask;
        });
        return api;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Gateway ready at {Url}. Try: curl {Url}/v1/chat/completions -H 'api-key: aoai-dev-key' " +
                  "-H 'content-type: application/json' -d '{{\"model\":\"gpt-4o\",\"messages\":[{{\"role\":\"user\",\"content\":\"hello\"}}]}}'")]
    private static partial void LogReady(ILogger logger, string url);
}
