using System.Diagnostics;
using System.Text.Json;

namespace AspireAoai.Simulator.Tests.Chat;

/// <summary>Answer length and pacing are configurable, so long and slow streams can be tested.</summary>
public sealed class AnswerLengthTests
{
    private static string Body(int maxTokens, bool stream) =>
        $$"""{"messages":[{"role":"user","content":"Tell me a long story"}],"max_tokens":{{maxTokens}},"stream":{{(stream ? "true" : "false")}},"stream_options":{{(stream ? """{"include_usage":true}""" : "null")}}}""";

    [Fact]
    public async Task WithUseMaxTokens_AStreamIsExactlyMaxTokensLong_OneChunkPerToken()
    {
        await using var sim = await SimulatorHost.StartAsync(["Simulator:Answer:UseMaxTokens=true",
            "Simulator:Deployments:0:Name=gpt-4o", "Simulator:Deployments:0:Tpm=10000000"]);

        using var response = await sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Body(200, stream: true));
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        var content = 0;
        string? finish = null;
        var completionTokens = 0;
        foreach (var e in events)
        {
            var data = e.Trim()["data: ".Length..];
            if (data == "[DONE]")
            {
                continue;
            }

            using var doc = JsonDocument.Parse(data);
            if (doc.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                completionTokens = usage.GetProperty("completion_tokens").GetInt32();
            }

            foreach (var choice in doc.RootElement.GetProperty("choices").EnumerateArray())
            {
                if (choice.GetProperty("delta").TryGetProperty("content", out var text) && text.GetString() is { Length: > 0 })
                {
                    content++;
                }

                if (choice.GetProperty("finish_reason").GetString() is { } reason)
                {
                    finish = reason;
                }
            }
        }

        Assert.Equal(200, completionTokens);
        Assert.InRange(content, 190, 200);
        Assert.Equal("length", finish);
    }

    [Fact]
    public async Task WithoutUseMaxTokens_TheDefaultRangeApplies_AndCanBeConfigured()
    {
        await using var sim = await SimulatorHost.StartAsync(["Simulator:Answer:MinTokens=60", "Simulator:Answer:MaxTokens=60"]);

        using var response = await sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Body(1000, stream: false));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(60, doc.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("stop", doc.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task ChunkIntervalMs_SpacesTheChunks_AtLeastThatFarApart()
    {
        await using var sim = await SimulatorHost.StartAsync(["Simulator:Answer:UseMaxTokens=true", "Simulator:Latency:ChunkIntervalMs=30"]);

        var watch = Stopwatch.StartNew();
        using var response = await sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Body(20, stream: true));
        await response.Content.ReadAsStringAsync();

        // A lower bound only: on a loaded machine it takes longer, never shorter (about 20 chunks x 30 ms).
        Assert.True(watch.ElapsedMilliseconds >= 15 * 30, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Theory]
    [InlineData("Simulator:Answer:MinTokens=0", "Simulator:Answer:MinTokens")]
    [InlineData("Simulator:Answer:MaxTokens=5", "Simulator:Answer:MaxTokens")]
    [InlineData("Simulator:Latency:ChunkIntervalMs=-1", "Simulator:Latency:ChunkIntervalMs")]
    public async Task ABadLengthOrPacing_FailsTheStart_NamingTheKey(string setting, string key)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => SimulatorHost.StartAsync([setting]));

        Assert.Contains(key, ex.Message);
    }
}
