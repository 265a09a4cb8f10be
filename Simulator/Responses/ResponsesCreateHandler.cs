using System.Text.Json;
using AspireAoai.Simulator.Admission;
using AspireAoai.Simulator.Chat;
using AspireAoai.Simulator.Deployments;
using AspireAoai.Simulator.Http;
using AspireAoai.Simulator.Stats;
using AspireAoai.Simulator.Streaming;
using AspireAoai.Simulator.Tokens;

namespace AspireAoai.Simulator.Responses;

/// <summary>Answers <c>POST /openai/v1/responses</c> and <c>POST /openai/responses?api-version=...</c>.</summary>
internal sealed class ResponsesCreateHandler(
    ResponsesFront front,
    RequestFront requestFront,
    RequestAdmission admission,
    ResponseStore store,
    ITokenizerProvider tokenizers,
    Latency latency,
    SimulatorStats stats,
    TimeProvider time)
{
    public async Task HandleAsync(HttpContext context, bool versioned)
    {
        if (front.Check(context, versioned, out var apiVersion) is { } refused)
        {
            await refused;
            return;
        }

        using var body = await RequestBody.ReadAsync(context.Request, context.RequestAborted);
        ResponsesRequest request;
        try
        {
            request = ResponsesRequestParser.Parse(body.WrittenMemory);
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

        if (requestFront.ResolveDeployment(context, request.Model, ResponsesFront.CreateOperation, out var deployment) is { } unknown)
        {
            await unknown;
            return;
        }

        List<ResponseItem> conversation = [];
        if (request.PreviousResponseId is { } previousId)
        {
            if (!store.TryGet(previousId, out var previous) || !previous.HasAnswerAt(time.GetUtcNow()))
            {
                await ResponsesFront.PreviousNotFound(context, previousId);
                return;
            }

            // The earlier turns are part of this prompt, as upstream bills them; their instructions are not carried over.
            conversation.AddRange(previous.Conversation);
            conversation.AddRange(previous.Output);
        }

        var inherited = conversation.Count;
        conversation.AddRange(request.Input);
        try
        {
            await AnswerAsync(context, deployment!, request, conversation, inherited, apiVersion);
        }
        finally
        {
            if (context.Response.HasStarted)
            {
                stats.RecordStatus(deployment!.Name, context.Response.StatusCode);
            }
        }
    }

    private async Task AnswerAsync(HttpContext context, Deployment deployment, ResponsesRequest request, List<ResponseItem> conversation,
        int inherited, string apiVersion)
    {
        var tokenizer = tokenizers.ForModel(deployment.Model);
        var plain = ResponseGenerator.Generate(tokenizer, request, conversation, inherited, filtered: false);

        // Azure charges the quota up front with the input plus max_output_tokens when the caller sets it.
        var cost = plain.InputTokens + (request.MaxOutputTokens ?? plain.OutputTokens);
        var outcome = await admission.AdmitAsync(context, deployment, ResponsesFront.CreateOperation, apiVersion, cost, enforceCapacity: true);
        if (outcome == AdmissionOutcome.Answered)
        {
            return;
        }

        var answer = outcome == AdmissionOutcome.ProceedFiltered
            ? ResponseGenerator.Generate(tokenizer, request, conversation, inherited, filtered: true)
            : plain;
        var now = time.GetUtcNow();
        var longest = answer.OutputTokens;
        var response = new StoredResponse("resp_" + Ids.New(), now.ToUnixTimeSeconds(), deployment, request, conversation, answer.Output,
            answer.InputTokens, answer.CachedTokens, answer.OutputTokens, answer.IncompleteReason,
            request.Background ? now + latency.WholeAnswerTime(longest) : now);
        if (request.Store)
        {
            store.Add(response);
        }

        var cut = outcome == AdmissionOutcome.ProceedCut;
        if (request.Background)
        {
            // Queued at once; the tokens are generated (and billed) whether or not anyone polls.
            stats.RecordTokens(deployment.Name, answer.InputTokens, answer.OutputTokens);
            await JsonAnswer.WriteAsync(context, (response, now), static (writer, r) => ResponseJson.WriteResponse(writer, r.response, r.now));
            return;
        }

        if (request.Stream)
        {
            await ResponseStreamWriter.WriteLiveAsync(context, response, now, latency, stats, cut);
            return;
        }

        await latency.WholeAnswerAsync(longest, context.RequestAborted);
        stats.RecordTokens(deployment.Name, answer.InputTokens, answer.OutputTokens);
        if (cut)
        {
            await JsonAnswer.WriteCutAsync(context, (response, now), static (writer, r) => ResponseJson.WriteResponse(writer, r.response, r.now));
            return;
        }

        await JsonAnswer.WriteAsync(context, (response, now), static (writer, r) => ResponseJson.WriteResponse(writer, r.response, r.now));
    }
}
