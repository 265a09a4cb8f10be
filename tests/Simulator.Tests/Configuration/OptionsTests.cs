using System.Net;
using AspireAoai.Simulator.Chat;
using AspireAoai.Simulator.Deployments;
using AspireAoai.Simulator.Tests.Chat;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspireAoai.Simulator.Tests.Configuration;

public sealed class OptionsTests
{
    [Fact]
    public async Task Defaults_AreThreeDeployments_WhenNoneIsConfigured()
    {
        await using var sim = await SimulatorHost.StartAsync();

        var catalog = sim.Services.GetRequiredService<DeploymentCatalog>();

        Assert.Equal(["gpt-4o", "gpt-4o-mini", "text-embedding-3-large"], catalog.All.Select(d => d.Name));
        Assert.Equal(["gpt-4o-2024-11-20", "gpt-4o-mini-2024-07-18", "text-embedding-3-large"], catalog.All.Select(d => d.Model));
        Assert.Equal([false, false, true], catalog.All.Select(d => d.IsEmbeddings));
        Assert.All(catalog.All, d => Assert.Equal((100_000, 600), (d.Tpm, d.Rpm)));
    }

    [Fact]
    public async Task AppHostStyleSettings_ReplaceTheDefaults_AndFillModelAndKindFromTheName()
    {
        await using var sim = await SimulatorHost.StartAsync(
        [
            "Simulator:Region=eastus",
            "Simulator:Deployments:0:Name=gpt-4o",
            "Simulator:Deployments:0:Tpm=3000",
            "Simulator:Deployments:1:Name=text-embedding-3-small",
        ]);

        var catalog = sim.Services.GetRequiredService<DeploymentCatalog>();
        Assert.Equal(2, catalog.All.Count);
        Assert.Equal(new Deployment("gpt-4o", "gpt-4o-2024-11-20", false, 3000, 600), catalog.All[0]);
        Assert.True(catalog.All[1].IsEmbeddings);

        using var response = await sim.PostAsync(SimulatorHost.EmbeddingsPath("text-embedding-3-small"), """{"input":"x"}""");
        Assert.Equal("eastus", Assert.Single(response.Headers.GetValues("x-ms-region")));
        Assert.Equal(1536, (await Json.ReadAsync(response)).GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
    }

    [Theory]
    [InlineData("Simulator:Deployments:0:Kind=images", "Simulator:Deployments:0:Kind")]
    [InlineData("Simulator:Deployments:0:Tpm=0", "Simulator:Deployments:0:Tpm")]
    [InlineData("Simulator:Deployments:0:Rpm=-1", "Simulator:Deployments:0:Rpm")]
    [InlineData("Simulator:Latency:PerTokenMs=-5", "Simulator:Latency:PerTokenMs")]
    public async Task InvalidSettings_FailTheStart_NamingTheKey(string setting, string key)
    {
        var settings = new List<string> { "Simulator:Deployments:0:Name=gpt-4o", setting };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => SimulatorHost.StartAsync(settings));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADuplicateDeploymentName_FailsTheStart()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => SimulatorHost.StartAsync(
            ["Simulator:Deployments:0:Name=gpt-4o", "Simulator:Deployments:1:Name=GPT-4o"]));

        Assert.Contains("configured twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FillerWords_AreOneTokenEach_InBothEncodings_SoMaxTokensCanAlwaysBeMetExactly()
    {
        foreach (var word in CompletionGenerator.Vocabulary)
        {
            Assert.Equal(1, ChatCompletionsTests.Count("o200k_base", word));
            Assert.Equal(1, ChatCompletionsTests.Count("o200k_base", " " + word));
            Assert.Equal(1, ChatCompletionsTests.Count("cl100k_base", word));
            Assert.Equal(1, ChatCompletionsTests.Count("cl100k_base", " " + word));
        }
    }

    [Fact]
    public async Task HealthyStatusCode_ForApiKeyOnlyAuth() // a smoke test that the default config serves requests
    {
        await using var sim = await SimulatorHost.StartAsync();
        using var response = await sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("x"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
