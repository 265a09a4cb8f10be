using System.Net;
using System.Text.Json;
using AspireAoai.Simulator.Tests.Chat;
using OpenAI.Embeddings;

namespace AspireAoai.Simulator.Tests.Embeddings;

public sealed class EmbeddingsTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task AzureClient_GetsBase64Vectors_OfTheNativeSize_Normalized()
    {
        var client = _sim.AzureClient().GetEmbeddingClient("text-embedding-3-large");

        OpenAIEmbedding embedding = await client.GenerateEmbeddingAsync("hello world");

        var vector = embedding.ToFloats().ToArray();
        Assert.Equal(3072, vector.Length);
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => (double)v * v)), 3);
    }

    [Fact]
    public async Task OpenAIClient_OnV1_HonoursDimensions_AndSeveralInputs()
    {
        var client = _sim.OpenAIClient().GetEmbeddingClient("text-embedding-3-large");

        OpenAIEmbeddingCollection embeddings = await client.GenerateEmbeddingsAsync(
            ["first", "second", "first"], new EmbeddingGenerationOptions { Dimensions = 256 });

        Assert.Equal(3, embeddings.Count);
        Assert.Equal([0, 1, 2], embeddings.Select(e => e.Index));
        Assert.All(embeddings, e => Assert.Equal(256, e.ToFloats().Length));
        Assert.Equal(embeddings[0].ToFloats().ToArray(), embeddings[2].ToFloats().ToArray());
        Assert.NotEqual(embeddings[0].ToFloats().ToArray(), embeddings[1].ToFloats().ToArray());
        Assert.Equal("text-embedding-3-large", embeddings.Model);
        Assert.Equal(ChatCompletionsTests.Count("cl100k_base", "first") * 2 + ChatCompletionsTests.Count("cl100k_base", "second"),
            embeddings.Usage.InputTokenCount);
    }

    [Fact]
    public async Task FloatFormat_IsAJsonArray_EqualToTheBase64Vector_AndShortDimensionsAreATruncatedRenormalizedVector()
    {
        using var floats = await _sim.PostAsync(SimulatorHost.EmbeddingsPath("text-embedding-3-large"), """{"input":"same text"}""");
        using var base64 = await _sim.PostAsync(SimulatorHost.EmbeddingsPath("text-embedding-3-large"), """{"input":["same text"],"encoding_format":"base64"}""");
        using var shortened = await _sim.PostAsync(SimulatorHost.EmbeddingsPath("text-embedding-3-large"), """{"input":"same text","dimensions":8}""");

        var floatBody = await Json.ReadAsync(floats);
        Assert.Equal("list", floatBody.GetProperty("object").GetString());
        var item = floatBody.GetProperty("data")[0];
        Assert.Equal("embedding", item.GetProperty("object").GetString());
        var full = item.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();

        var bytes = Convert.FromBase64String((await Json.ReadAsync(base64)).GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var decoded = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, decoded, 0, bytes.Length);
        Assert.Equal(full, decoded);

        var small = (await Json.ReadAsync(shortened)).GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var norm = Math.Sqrt(full.Take(8).Sum(v => (double)v * v));
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(full[i] / norm, small[i], 4);
        }
    }

    [Fact]
    public async Task TokenArrayInput_IsAccepted_AndCountsItsTokens()
    {
        using var response = await _sim.PostAsync(SimulatorHost.EmbeddingsPath("text-embedding-3-large"), """{"input":[[1,2,3],[4,5]],"dimensions":4}""");
        var body = await Json.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, body.GetProperty("data").GetArrayLength());
        Assert.Equal(5, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Theory]
    [InlineData("{}", "input")]
    [InlineData("{\"input\":[]}", "input")]
    [InlineData("{\"input\":\"\"}", "input")]
    [InlineData("{\"input\":{\"a\":1}}", "input")]
    [InlineData("{\"input\":\"x\",\"dimensions\":0}", "dimensions")]
    [InlineData("{\"input\":\"x\",\"dimensions\":4000}", "dimensions")]
    [InlineData("{\"input\":\"x\",\"encoding_format\":\"hex\"}", "encoding_format")]
    [InlineData("{\"input\":", null)]
    public async Task BadEmbeddingRequests_Are400(string json, string? param)
    {
        using var response = await _sim.PostAsync(SimulatorHost.EmbeddingsPath("text-embedding-3-large"), json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, (await Json.ReadAsync(response)).GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task EmbeddingsOnAChatDeployment_Is400OperationNotSupported_AndMissingApiVersionIs404()
    {
        using var wrongKind = await _sim.PostAsync(SimulatorHost.EmbeddingsPath("gpt-4o"), """{"input":"x"}""");
        using var noVersion = await _sim.PostAsync("openai/deployments/text-embedding-3-large/embeddings", """{"input":"x"}""");

        Assert.Equal(HttpStatusCode.BadRequest, wrongKind.StatusCode);
        Assert.Equal("OperationNotSupported", (await Json.ReadAsync(wrongKind)).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, noVersion.StatusCode);
    }
}
