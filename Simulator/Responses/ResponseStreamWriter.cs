using System.Text.Json;
using AspireAoai.Simulator.Stats;
using AspireAoai.Simulator.Streaming;

namespace AspireAoai.Simulator.Responses;

/// <summary>
/// Streams a response as upstream does: <c>response.created</c>, <c>response.in_progress</c>, per output item
/// <c>output_item.added</c>, its content part or argument deltas, <c>output_item.done</c>, then
/// <c>response.completed</c> (or <c>response.incomplete</c>) with the whole response and its usage. Every event
/// is <c>event: type</c> + <c>data: {json}</c> with a <c>sequence_number</c> from 0. The same events, numbered the
/// same, are written live after a create and replayed by <c>GET /responses/{id}?stream=true&amp;starting_after=N</c>.
/// </summary>
internal sealed class ResponseStreamWriter
{
    // Long enough for a loaded client to have read the headers and the first events: a cut this early (half of a short
    // answer's deltas) with 100 ms reset the connection before a CI run's client had read the headers.
    private static readonly TimeSpan CutGrace = TimeSpan.FromMilliseconds(500);

    private readonly HttpContext _context;
    private readonly SseWriter _sse;
    private readonly StoredResponse _response;
    private readonly DateTimeOffset _now;
    private readonly int _startingAfter;
    private readonly Latency? _latency;
    private readonly SimulatorStats? _stats;
    private int _sequence;
    private Utf8JsonWriter? _current;
    private Utf8JsonWriter? _discard;

    private ResponseStreamWriter(HttpContext context, SseWriter sse, StoredResponse response, DateTimeOffset now, int startingAfter,
        Latency? latency, SimulatorStats? stats)
    {
        _context = context;
        _sse = sse;
        _response = response;
        _now = now;
        _startingAfter = startingAfter;
        _latency = latency;
        _stats = stats;
    }

    /// <summary>The live stream of a create: paced by the latency, counted in the stats, cut halfway when asked.</summary>
    public static async Task WriteLiveAsync(HttpContext context, StoredResponse response, DateTimeOffset now, Latency latency,
        SimulatorStats stats, bool cut)
    {
        using var sse = SseWriter.Start(context);
        await new ResponseStreamWriter(context, sse, response, now, -1, latency, stats).WriteAsync(cut);
    }

    /// <summary>A stored response's events again, those after <paramref name="startingAfter"/> only, without pacing.</summary>
    public static async Task ReplayAsync(HttpContext context, StoredResponse response, DateTimeOffset now, int startingAfter)
    {
        using var sse = SseWriter.Start(context);
        await new ResponseStreamWriter(context, sse, response, now, startingAfter, null, null).WriteAsync(cut: false);
    }

    private async Task WriteAsync(bool cut)
    {
        try
        {
            await WriteEventsAsync(cut);
        }
        finally
        {
            _discard?.Dispose();
        }
    }

    private async Task WriteEventsAsync(bool cut)
    {
        var deployment = _response.Deployment.Name;
        await ResponseEventAsync("response.created", ResponseJson.View.InProgress);
        _stats?.RecordTokens(deployment, _response.InputTokens, 0);
        await ResponseEventAsync("response.in_progress", ResponseJson.View.InProgress);
        if (!_response.HasAnswerAt(_now))
        {
            return;
        }

        if (_latency is not null)
        {
            await _latency.FirstTokenAsync(_context.RequestAborted);
        }

        var deltas = 0;
        foreach (var item in _response.Output)
        {
            deltas += item.Kind == ResponseItemKind.Message ? item.Pieces?.Count ?? 0 : ArgumentChunks(item.Arguments!).Count;
        }

        var cutAt = cut ? Math.Max(1, deltas / 2) : int.MaxValue;
        var sent = 0;
        var counted = 0;
        for (var index = 0; index < _response.Output.Count; index++)
        {
            var item = _response.Output[index];
            var writer = Begin("response.output_item.added");
            writer.WriteNumber("output_index", index);
            writer.WritePropertyName("item");
            ResponseJson.WriteItem(writer, item, "in_progress");
            await EndAsync();

            if (item.Kind == ResponseItemKind.Message)
            {
                await PartEventAsync("response.content_part.added", item, index, "");
                foreach (var piece in item.Pieces ?? [])
                {
                    if (sent++ == cutAt)
                    {
                        await CutAsync();
                        return;
                    }

                    await PaceAsync(piece.Tokens);
                    writer = Begin("response.output_text.delta");
                    WriteItemRef(writer, item, index, content: true);
                    writer.WriteString("delta", piece.Text);
                    writer.WriteStartArray("logprobs");
                    writer.WriteEndArray();
                    if (await EndAsync())
                    {
                        _stats?.RecordTokens(deployment, 0, piece.Tokens);
                        counted += piece.Tokens;
                    }
                }

                writer = Begin("response.output_text.done");
                WriteItemRef(writer, item, index, content: true);
                writer.WriteString("text", item.Text);
                writer.WriteStartArray("logprobs");
                writer.WriteEndArray();
                await EndAsync();
                await PartEventAsync("response.content_part.done", item, index, item.Text);
            }
            else
            {
                foreach (var chunk in ArgumentChunks(item.Arguments!))
                {
                    if (sent++ == cutAt)
                    {
                        await CutAsync();
                        return;
                    }

                    await PaceAsync(1);
                    writer = Begin("response.function_call_arguments.delta");
                    WriteItemRef(writer, item, index, content: false);
                    writer.WriteString("delta", chunk);
                    await EndAsync();
                }

                writer = Begin("response.function_call_arguments.done");
                WriteItemRef(writer, item, index, content: false);
                writer.WriteString("arguments", item.Arguments);
                await EndAsync();
            }

            writer = Begin("response.output_item.done");
            writer.WriteNumber("output_index", index);
            writer.WritePropertyName("item");
            ResponseJson.WriteItem(writer, item, _response.ItemStatus);
            await EndAsync();
        }

        // Whole answers count all their output tokens, whatever the split into deltas (function arguments have no pieces).
        _stats?.RecordTokens(deployment, 0, _response.OutputTokens - counted);
        await ResponseEventAsync(_response.IncompleteReason is null ? "response.completed" : "response.incomplete", ResponseJson.View.AsStored);
    }

    private async Task ResponseEventAsync(string type, ResponseJson.View view)
    {
        var writer = Begin(type);
        writer.WritePropertyName("response");
        ResponseJson.WriteResponse(writer, _response, _now, view);
        await EndAsync();
    }

    private async Task PartEventAsync(string type, ResponseItem item, int index, string text)
    {
        var writer = Begin(type);
        WriteItemRef(writer, item, index, content: true);
        writer.WritePropertyName("part");
        InputItemParser.WritePart(writer, "output_text", text);
        await EndAsync();
    }

    private static void WriteItemRef(Utf8JsonWriter writer, ResponseItem item, int index, bool content)
    {
        writer.WriteString("item_id", item.Id);
        writer.WriteNumber("output_index", index);
        if (content)
        {
            writer.WriteNumber("content_index", 0);
        }
    }

    /// <summary>Opens the next event, or a throwaway one when it is not past <c>starting_after</c> (numbering goes on).</summary>
    private Utf8JsonWriter Begin(string type)
    {
        var sequence = _sequence;
        var writer = sequence > _startingAfter ? _sse.BeginEvent(type) : _discard ??= new Utf8JsonWriter(Stream.Null);
        _current = writer;
        writer.WriteStartObject();
        writer.WriteString("type", type);
        writer.WriteNumber("sequence_number", sequence);
        return writer;
    }

    /// <summary>Closes and flushes the event; true when it went out.</summary>
    private async ValueTask<bool> EndAsync()
    {
        var sequence = _sequence++;
        _current!.WriteEndObject();
        if (sequence <= _startingAfter)
        {
            _discard!.Reset();
            return false;
        }

        var flushed = await _sse.EndEventAsync();
        return !flushed.IsCompleted && !flushed.IsCanceled;
    }

    private Task PaceAsync(int tokens) => _latency?.TokensAsync(tokens, _context.RequestAborted) ?? Task.CompletedTask;

    private async Task CutAsync()
    {
        // Let what was sent reach the reader first: a reset drops data still unread on the other side.
        await Task.Delay(CutGrace, _context.RequestAborted);
        _context.Abort();
    }

    /// <summary>Arguments in deltas of up to 8 characters, as upstream sends a few characters at a time.</summary>
    internal static List<string> ArgumentChunks(string arguments)
    {
        const int Size = 8;
        var chunks = new List<string>((arguments.Length / Size) + 1);
        for (var i = 0; i < arguments.Length; i += Size)
        {
            chunks.Add(arguments.Substring(i, Math.Min(Size, arguments.Length - i)));
        }

        return chunks;
    }
}
