using System.Net;
using AspireAoai.Api.Apis;
using AspireAoai.Api.Tests.Infrastructure;

namespace AspireAoai.Api.Tests.Apis;

/// <summary>The shortcut in front of endpoint routing: the same endpoints, for exactly the paths routing maps to them.</summary>
public sealed class OpenAiRoutesTests
{
    [Theory]
    [InlineData("/openai/deployments/gpt-4o/chat/completions", 0)]
    [InlineData("/OpenAI/Deployments/gpt-4o/Chat/Completions", 0)]
    [InlineData("/openai/deployments/my.deploy-1/embeddings", 1)]
    [InlineData("/openai/v1/chat/completions", 2)]
    [InlineData("/v1/chat/completions", 3)]
    [InlineData("/V1/Chat/Completions", 3)]
    [InlineData("/openai/v1/embeddings", 4)]
    [InlineData("/v1/embeddings", 5)]
    public void Match_NamesTheRouteOfEachHotPath_IgnoringCaseAsRoutingDoes(string path, int route)
    {
        Assert.Equal(route, OpenAiRoutes.Match(path));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("/openai/deployments//chat/completions")]
    [InlineData("/openai/deployments/gpt-4o/chat/completions/")]
    [InlineData("/openai/deployments/gpt-4o/chat")]
    [InlineData("/openai/deployments/gpt-4o/extra/chat/completions")]
    [InlineData("/openai/deployments/gpt-4o")]
    [InlineData("/v1/chat/completions/")]
    [InlineData("/v1/chat/completionsx")]
    [InlineData("/v1/models")]
    [InlineData("/v1/usage")]
    public void Match_LeavesEverythingElseToRouting(string? path)
    {
        Assert.Null(OpenAiRoutes.Match(path));
    }

    [Theory]
    [InlineData("/openai/deployments/gpt-4o/chat/completions", "gpt-4o")]
    [InlineData("/OPENAI/DEPLOYMENTS/GPT-4o/embeddings", "GPT-4o")]
    [InlineData("/openai/deployments/gpt-4o", "gpt-4o")]
    [InlineData("/v1/chat/completions", "")]
    public void Deployment_IsTheSegmentAfterDeployments(string path, string deployment)
    {
        Assert.Equal(deployment, OpenAiRoutes.Deployment(path).ToString());
    }

    [Theory]
    [InlineData("openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", HttpStatusCode.OK)]
    [InlineData("OpenAI/Deployments/GPT-4O/Chat/Completions?api-version=2024-10-21", HttpStatusCode.OK)]
    [InlineData("v1/chat/completions", HttpStatusCode.OK)]
    [InlineData("openai/deployments/nope/chat/completions?api-version=2024-10-21", HttpStatusCode.NotFound)]
    public async Task Gateway_AnswersThroughTheShortcut_AsThroughRouting(string path, HttpStatusCode expected)
    {
        await using var sim = await SimulatorHost.StartAsync("eastus");
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("eastus-gpt-4o", sim.BaseAddress)]);

        using var response = await gateway.Http.PostAsync(path, GatewayHost.ChatBody());

        Assert.Equal(expected, response.StatusCode);
    }
}
