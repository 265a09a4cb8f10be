using System.Text;
using AspireAoai.Api.Apis;
using AspireAoai.Api.Forwarding;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Responses;
using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Tests.Responses;

public sealed class ResponsesParsingTests
{
    private static bool Parse(string json, out ParsedRequest parsed, out RequestError error)
        => RequestParser.TryParse(Encoding.UTF8.GetBytes(json), OperationKind.Responses, out parsed, out error);

    [Fact]
    public void Create_ReadsTheFieldsTheGatewayNeeds()
    {
        Assert.True(Parse("""
            {"model":"gpt-4o","input":[{"role":"user","content":"hi"}],"instructions":"be brief","tools":[],"stream":true,
             "max_output_tokens":50,"temperature":0,"store":false,"previous_response_id":"resp_1","metadata":{"a":"b"}}
            """, out var parsed, out _));
        Assert.Equal("gpt-4o", parsed.Model);
        Assert.True(parsed.Stream);
        Assert.Equal(50, parsed.MaxTokens);
        Assert.Equal(0, parsed.Temperature);
        Assert.False(parsed.Store);
        Assert.Equal("resp_1", parsed.PreviousResponseId);
    }

    [Fact]
    public void Create_StoresByDefault_AndTakesAStringInput()
    {
        Assert.True(Parse("""{"model":"gpt-4o","input":"hello"}""", out var parsed, out _));
        Assert.True(parsed.Store);
        Assert.Null(parsed.PreviousResponseId);
        Assert.False(parsed.Stream);
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o","input":42}""", "input")]
    [InlineData("""{"model":"gpt-4o","input":["not an item"]}""", "input")]
    [InlineData("""{"model":"gpt-4o","input":{"role":"user"}}""", "input")]
    [InlineData("""{"model":7,"input":"x"}""", "model")]
    [InlineData("""{"model":"gpt-4o","input":"x","stream":"yes"}""", "stream")]
    [InlineData("""{"model":"gpt-4o","input":"x","store":1}""", "store")]
    [InlineData("""{"model":"gpt-4o","input":"x","max_output_tokens":-1}""", "max_output_tokens")]
    [InlineData("""{"model":"gpt-4o","input":"x","max_output_tokens":"10"}""", "max_output_tokens")]
    [InlineData("""{"model":"gpt-4o","input":"x","temperature":"hot"}""", "temperature")]
    [InlineData("""{"model":"gpt-4o","input":"x","instructions":["a"]}""", "instructions")]
    [InlineData("""{"model":"gpt-4o","input":"x","tools":{}}""", "tools")]
    [InlineData("""{"model":"gpt-4o","input":"x","previous_response_id":5}""", "previous_response_id")]
    [InlineData("""{"model":"gpt-4o","input":"x","background":true}""", "background")]
    public void Create_WithAWrongType_IsRefusedNamingTheParameter(string json, string param)
    {
        Assert.False(Parse(json, out _, out var error));
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void Create_ThatIsNotJson_IsRefused()
    {
        Assert.False(Parse("""{"model":"gpt-4o","input":"x"}  trailing""", out _, out var error));
        Assert.Equal("invalid_json", error.Code);
    }

    [Fact]
    public void PromptEstimate_CountsInputInstructionsAndItemTextButNotStructure()
    {
        var tokenizer = TokenEstimator.ForModel("gpt-4o");
        var text = "The quick brown fox jumps over the lazy dog.";
        var words = tokenizer.CountTokens(text);
        var plain = TokenEstimator.CountPrompt(OperationKind.Responses, tokenizer, Encoding.UTF8.GetBytes($$"""{"model":"gpt-4o","input":"{{text}}"}"""));
        Assert.Equal(TokenEstimator.ReplyPriming + words, plain);

        var items = TokenEstimator.CountPrompt(OperationKind.Responses, tokenizer, Encoding.UTF8.GetBytes($$"""
            {"model":"gpt-4o","instructions":"{{text}}","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"{{text}}"}]},
             {"type":"function_call_output","call_id":"call_1","output":"{{text}}"}]}
            """));
        // Three texts, two items at 3 each, the roles' own tokens ("user"), the priming.
        Assert.Equal(TokenEstimator.ReplyPriming + (3 * words) + (2 * TokenEstimator.PerMessage) + tokenizer.CountTokens("user"), items);
    }

    [Theory]
    [InlineData("2025-03-01-preview", true)]
    [InlineData("2025-04-01-preview", true)]
    [InlineData("2026-01-01", true)]
    [InlineData("2025-03-01", false)]
    [InlineData("2025-02-01-preview", false)]
    [InlineData("2024-10-21", false)]
    [InlineData("latest", false)]
    [InlineData(null, false)]
    public void DatedPath_NeedsTheFirstResponsesApiVersionOrLater(string? version, bool supported)
        => Assert.Equal(supported, ResponsesApiVersion.Supports(version));

    [Fact]
    public void UpstreamBody_NamesTheAzureDeploymentInModel_AndKeepsEveryOtherByte()
    {
        var deployment = Deployment("gpt-4o-eastus");
        var body = Encoding.UTF8.GetBytes("""{"input":"x","model":"gpt-4o" , "temperature":0}""");
        var (buffer, length) = V1ModelBody.Rewrite(body, deployment)!.Value;
        Assert.Equal("""{"input":"x","model":"gpt-4o-eastus" , "temperature":0}""", Encoding.UTF8.GetString(buffer, 0, length));

        Assert.Null(V1ModelBody.Rewrite(Encoding.UTF8.GetBytes("""{"model":"gpt-4o-eastus"}"""), deployment));
    }

    [Fact]
    public void FollowUpUpstreamUri_KeepsTheClientsQuery_WithoutApiVersion()
    {
        var uri = FollowUps.UpstreamUri(Deployment("gpt-4o"), "resp_1", FollowUpKind.Get,
            new QueryString("?api-version=2025-04-01-preview&stream=true&starting_after=3"));
        Assert.Equal("http://127.0.0.1:1/openai/v1/responses/resp_1?stream=true&starting_after=3", uri.ToString());
        Assert.Equal("http://127.0.0.1:1/openai/v1/responses/resp_1/input_items",
            FollowUps.UpstreamUri(Deployment("gpt-4o"), "resp_1", FollowUpKind.InputItems, new QueryString("?API-Version=x")).ToString());
    }

    private static Deployment Deployment(string azureName) => new(
        new DeploymentOptions { Name = "d", Endpoint = "http://127.0.0.1:1", Deployment = azureName, Model = "gpt-4o" },
        new ApiKeyAuthenticator("k"), "2024-10-21");
}
