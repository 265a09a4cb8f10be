using System.Text.Json;
using AspireAoai.Simulator.Admission;
using AspireAoai.Simulator.Configuration;
using AspireAoai.Simulator.Deployments;
using AspireAoai.Simulator.FixedAnswer;
using AspireAoai.Simulator.Http;
using AspireAoai.Simulator.Stats;
using AspireAoai.Simulator.Streaming;
using AspireAoai.Simulator.Tokens;
using Microsoft.Extensions.Options;

namespace AspireAoai.Simulator.Chat;

/// <summary>Answers <c>chat/completions</c> on both the versioned and the v1 route.</summary>
internal sealed class ChatHandler(
    RequestFront front,
    RequestAdmission admission,
    ITokenizerProvider tokenizers,
    Latency latency,
    FixedAnswerResponder fixedAnswer,
    SimulatorStats stats,
    TimeProvider time,
    IOptions<SimulatorOptions> options)
{
    private readonly bool _fixedAnswer = options.Value.FixedAnswer;
    private readonly AnswerOptions _length = options.Value.Answer;

    /// <param name="context">The call.</param>
    /// <param name="routeDeployment">The deployment in the URL; null on the v1 route, where <c>model</c> names it.</param>
    public async Task HandleAsync(HttpContext context, string? routeDeployment)
    {
        front.StampHeaders(context);
        var versioned = routeDeployment is not null;
        if (front.CheckVersionAndAuth(context, versioned, out var apiVersion) is { } refused)
        {
            await refused;
            return;
        }

        Deployment? deployment = null;
        if (versioned && front.ResolveDeployment(context, routeDeployment, Operation.Chat, out deployment) is { } notFound)
        {
            await notFound;
            return;
        }

        using var body = await RequestBody.ReadAsync(context.Request, context.RequestAborted);
        ChatRequest request;
        try
        {
            request = ChatRequestParser.Parse(body.WrittenMemory.Span, readMessages: !_fixedAnswer);
        }
        catch (JsonException)
        {
            await AzureErrors.InvalidJson(context);
            return;
        }
        catch (InvalidRequestException invalid)
        {
            await AzureErrors.BadRequest(context, invalid.Message, invalid.Param, invalid.Code);
            return;
        }

        if (!versioned && front.ResolveDeployment(context, request.Model, Operation.Chat, out deployment) is { } unknown)
        {
            await unknown;
            return;
        }

        try
        {
            if (_fixedAnswer)
            {
                await fixedAnswer.RespondAsync(context, deployment!, request, apiVersion);
                return;
            }

            await AnswerAsync(context, deployment!, request, apiVersion);
        }
        finally
        {
            if (context.Response.HasStarted)
            {
                stats.RecordStatus(deployment!.Name, context.Response.StatusCode);
            }
        }
    }

    private async Task AnswerAsync(HttpContext context, Deployment deployment, ChatRequest request, string apiVersion)
    {
        var tokenizer = tokenizers.ForModel(deployment.Model);
        var promptTokens = ChatTokenCounter.Count(tokenizer, request.Messages);
        var fingerprint = CompletionGenerator.Fingerprint(request);
        var choices = new GeneratedChoice[request.N];
        var completionTokens = 0;
        var longest = 0;
        var mostPieces = 0;
        for (var i = 0; i < choices.Length; i++)
        {
            choices[i] = CompletionGenerator.Generate(request, fingerprint, i, tokenizer, _length);
            completionTokens += choices[i].Tokens;
            longest = Math.Max(longest, choices[i].Tokens);
            mostPieces = Math.Max(mostPieces, choices[i].Pieces.Count);
        }

        // Azure charges the quota up front with the prompt estimate plus max_tokens when the caller sets it.
        var cost = promptTokens + (request.MaxTokens is { } max ? max * request.N : completionTokens);
        var outcome = await admission.AdmitAsync(context, deployment, Operation.Chat, apiVersion, cost, enforceCapacity: true);
        if (outcome == AdmissionOutcome.Answered)
        {
            return;
        }

        var completion = new ChatCompletion(
            ChatCompletion.NewId(), time.GetUtcNow().ToUnixTimeSeconds(), deployment, choices, promptTokens,
            outcome == AdmissionOutcome.ProceedFiltered);
        var cut = outcome == AdmissionOutcome.ProceedCut;

        if (request.Stream)
        {
            await ChatStreamWriter.WriteAsync(context, completion, request.IncludeUsage, latency, stats, cut);
            return;
        }

        await latency.WholeAnswerAsync(longest, context.RequestAborted, mostPieces);
        stats.RecordTokens(deployment.Name, promptTokens, completion.CompletionTokens + deployment.ReasoningTokens);
        if (cut)
        {
            await JsonAnswer.WriteCutAsync(context, completion, static (writer, c) => ChatJson.WriteCompletion(writer, c));
            return;
        }

        await JsonAnswer.WriteAsync(context, completion, static (writer, c) => ChatJson.WriteCompletion(writer, c));
    }
}
