using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using AspireAoai.Simulator.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AspireAoai.Simulator.Streaming;

/// <summary>Writes server-sent events straight into the response pipe, flushing each one as it is made.</summary>
internal sealed class SseWriter : IDisposable
{
    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;
    private readonly CancellationToken _cancellationToken;

    private SseWriter(HttpContext context)
    {
        _pipe = context.Response.BodyWriter;
        _json = new Utf8JsonWriter(_pipe);
        _cancellationToken = context.RequestAborted;
    }

    /// <summary>Sends the 200 and the event-stream headers.</summary>
    public static SseWriter Start(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = SimHeaders.EventStream;
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return new SseWriter(context);
    }

    /// <summary>Starts a <c>data:</c> event; write one JSON value to the returned writer, then call <see cref="EndEventAsync"/>.</summary>
    public Utf8JsonWriter BeginEvent()
    {
        _pipe.Write("data: "u8);
        _json.Reset(_pipe);
        return _json;
    }

    /// <summary>Starts an <c>event: type</c> line and its <c>data:</c> line (the Responses API names every event).</summary>
    public Utf8JsonWriter BeginEvent(string eventType)
    {
        _pipe.Write("event: "u8);
        System.Text.EncodingExtensions.GetBytes(System.Text.Encoding.UTF8, eventType, _pipe);
        _pipe.Write("\n"u8);
        return BeginEvent();
    }

    public ValueTask<FlushResult> EndEventAsync()
    {
        _json.Flush();
        _pipe.Write("\n\n"u8);
        return _pipe.FlushAsync(_cancellationToken);
    }

    /// <summary>The terminating <c>data: [DONE]</c>.</summary>
    public ValueTask<FlushResult> WriteDoneAsync()
    {
        _pipe.Write("data: [DONE]\n\n"u8);
        return _pipe.FlushAsync(_cancellationToken);
    }

    /// <summary>Writes bytes prepared in advance (fixed-answer mode) and flushes.</summary>
    public ValueTask<FlushResult> WriteRawAsync(ReadOnlyMemory<byte> bytes) => _pipe.WriteAsync(bytes, _cancellationToken);

    public void Dispose() => _json.Dispose();
}
