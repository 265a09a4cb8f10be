using System.Buffers;
using System.Text.Json;
using AspireAoai.Simulator.Admission;
using AspireAoai.Simulator.Chat;
using AspireAoai.Simulator.Deployments;
using AspireAoai.Simulator.Http;
using AspireAoai.Simulator.Stats;
using AspireAoai.Simulator.Streaming;
using AspireAoai.Simulator.Tokens;

namespace AspireAoai.Simulator.Embeddings;

/// <summary>Answers <c>embeddings</c> on both the versioned and the v1 route.</summary>
internal sealed class EmbeddingsHandler(
    RequestFront front,
    RequestAdmission admission,
    ITokenizerProvider tokenizers,
    Latency latency,
    SimulatorStats stats)
{
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
        if (versioned && front.ResolveDeployment(context, routeDeployment, Operation.Embeddings, out deployment) is { } notFound)
        {
            await notFound;
            return;
        }

        using var body = await RequestBody.ReadAsync(context.Request, context.RequestAborted);
        EmbeddingRequest request;
        try
        {
            request = EmbeddingRequestParser.Parse(body.WrittenMemory.Span);
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

        if (!versioned && front.ResolveDeployment(context, request.Model, Operation.Embeddings, out deployment) is { } unknown)
        {
            await unknown;
            return;
        }

        try
        {
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

    private async Task AnswerAsync(HttpContext context, Deployment deployment, EmbeddingRequest request, string apiVersion)
    {
        var native = EmbeddingGenerator.NativeDimensions(deployment.Model);
        var dimensions = request.Dimensions ?? native;
        if (request.Dimensions is not null && !EmbeddingGenerator.SupportsDimensions(deployment.Model))
        {
            await AzureErrors.BadRequest(context, "This model does not support specifying dimensions.", "dimensions", "invalid_value");
            return;
        }

        if (dimensions < 1 || dimensions > native)
        {
            await AzureErrors.BadRequest(context,
                $"Invalid value for 'dimensions' = {dimensions}. Must be between 1 and {native} for {deployment.Model}.", "dimensions", "invalid_value");
            return;
        }

        var tokenizer = tokenizers.ForModel(deployment.Model);
        var promptTokens = 0;
        foreach (var input in request.Inputs)
        {
            promptTokens += input.Text is { } text ? tokenizer.CountTokens(text) : input.TokenIds!.Length;
        }

        var outcome = await admission.AdmitAsync(context, deployment, Operation.Embeddings, apiVersion, promptTokens, enforceCapacity: true);
        if (outcome == AdmissionOutcome.Answered)
        {
            return;
        }

        await latency.FirstTokenAsync(context.RequestAborted);

        var vector = ArrayPool<float>.Shared.Rent(dimensions);
        var bytes = request.Base64 ? ArrayPool<byte>.Shared.Rent(dimensions * sizeof(float)) : [];
        try
        {
            using var buffer = new PooledBufferWriter(request.Inputs.Count * dimensions * (request.Base64 ? 6 : 12) + 256);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("object", "list");
                writer.WriteStartArray("data");
                for (var i = 0; i < request.Inputs.Count; i++)
                {
                    var span = vector.AsSpan(0, dimensions);
                    EmbeddingGenerator.Fill(request.Inputs[i], span);
                    writer.WriteStartObject();
                    writer.WriteString("object", "embedding");
                    writer.WriteNumber("index", i);
                    if (request.Base64)
                    {
                        EmbeddingGenerator.ToBytes(span, bytes);
                        writer.WriteBase64String("embedding", bytes.AsSpan(0, dimensions * sizeof(float)));
                    }
                    else
                    {
                        writer.WriteStartArray("embedding");
                        foreach (var value in span)
                        {
                            writer.WriteNumberValue(value);
                        }

                        writer.WriteEndArray();
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteString("model", deployment.Model);
                writer.WriteStartObject("usage");
                writer.WriteNumber("prompt_tokens", promptTokens);
                writer.WriteNumber("total_tokens", promptTokens);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            await JsonAnswer.WriteAsync(context, buffer.WrittenMemory);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(vector);
            if (bytes.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }
}
