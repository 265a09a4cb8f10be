using AspireAoai.Simulator.Configuration;
using AspireAoai.Simulator.Deployments;
using Microsoft.Extensions.Options;

namespace AspireAoai.Simulator.Tokens;

/// <summary>
/// Loads the tokenizers the configured deployments need in the background at start, so the first
/// request does not pay for building a vocabulary (a few hundred ms). Skipped in fixed-answer mode.
/// </summary>
internal sealed partial class TokenizerWarmup(
    ITokenizerProvider tokenizers,
    DeploymentCatalog catalog,
    IOptions<SimulatorOptions> options,
    ILogger<TokenizerWarmup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogStarting(logger, options.Value.Region, options.Value.FixedAnswer, catalog.All.Count);
        foreach (var deployment in catalog.All)
        {
            LogDeployment(logger, deployment.Name, deployment.Model, deployment.IsEmbeddings ? "embeddings" : "chat", deployment.Tpm, deployment.Rpm);
        }

        if (!options.Value.FixedAnswer)
        {
            _ = Task.Run(() =>
            {
                foreach (var deployment in catalog.All)
                {
                    tokenizers.ForModel(deployment.Model).CountTokens("warm up");
                }
            }, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Azure OpenAI simulator for region {Region} (fixed answer: {FixedAnswer}) with {Count} deployments")]
    private static partial void LogStarting(ILogger logger, string region, bool fixedAnswer, int count);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Deployment {Name}: model {Model}, {Kind}, {Tpm} TPM, {Rpm} RPM")]
    private static partial void LogDeployment(ILogger logger, string name, string model, string kind, int tpm, int rpm);
}
