using System.Buffers;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace AspireAoai.Api.Answers;

/// <summary>
/// Watches a response as it is relayed, without holding it: a JSON body is fed chunk by chunk to an
/// incremental <see cref="Utf8JsonReader"/>, an SSE body line by line. It picks out the response id and
/// model, usage, finish reasons, and content-filter results (prompt filter results, a filtered completion,
/// or the <c>innererror.content_filter_result</c> of a filtered prompt). Content text is read only when
/// <see cref="CountOutput"/> asked for it, to count a stream's completion tokens, and is never logged or kept.
/// </summary>
public sealed class ResponseObserver : IDisposable
{
    private const int MaxDepth = 64;
    private const int MaxCarryBytes = 1024 * 1024;
    private const int MaxVerdicts = 64;
    private const int MaxFinishReasons = 16;
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    private readonly Kind[] _kinds = new Kind[MaxDepth + 1];
    private readonly Prop[] _props = new Prop[MaxDepth + 1];
    private readonly List<string> _finishReasons = new(2);
    private readonly List<ContentFilterVerdict> _verdicts = new(4);
    private readonly OutputTokenCounter _output = new();
    private int _choiceIndex;
    private JsonReaderState _state = new(ReaderOptions);
    private byte[]? _carry;
    private int _carryLength;
    private bool _failed;
    private bool _complete;
    private int _eventChoices;
    private bool _eventUsage;
    private bool _usageSeen;
    private bool _usageChunkSeen;
    private bool _countDelta;

    private string _category = "other";
    private string? _severity;
    private bool _filtered;
    private bool _detected;

    // Pooling: one spare observer per thread. A response model seen by the previous user is kept to be reused as a
    // string when the next response names the same model (it nearly always does).
    [ThreadStatic]
    private static ResponseObserver? t_spare;
    private bool _rented;
    private string? _lastModel;

    /// <summary>
    /// An observer for one response, from a per-thread spare when there is one; <see cref="Dispose"/> clears it and
    /// keeps it as that thread's spare. Read what it saw before disposing it: its lists are reused.
    /// </summary>
    public static ResponseObserver Rent()
    {
        var observer = t_spare ?? new ResponseObserver();
        t_spare = null;
        observer._rented = true;
        return observer;
    }

    /// <summary><c>id</c> of the response (first seen).</summary>
    public string? ResponseId { get; private set; }

    /// <summary><c>model</c> of the response.</summary>
    public string? ResponseModel { get; private set; }

    /// <summary><c>usage.prompt_tokens</c>.</summary>
    public int? InputTokens { get; private set; }

    /// <summary><c>usage.completion_tokens</c>.</summary>
    public int? OutputTokens { get; private set; }

    /// <summary><c>usage.prompt_tokens_details.cached_tokens</c>.</summary>
    public int? CachedInputTokens { get; private set; }

    /// <summary><c>usage.prompt_tokens_details.audio_tokens</c>.</summary>
    public int? AudioInputTokens { get; private set; }

    /// <summary><c>usage.completion_tokens_details.audio_tokens</c>.</summary>
    public int? AudioOutputTokens { get; private set; }

    /// <summary>
    /// <c>usage.completion_tokens_details.reasoning_tokens</c> (chat) or <c>usage.output_tokens_details.reasoning_tokens</c>
    /// (Responses), part of <see cref="OutputTokens"/>. A Responses answer's usage (<c>input_tokens</c>,
    /// <c>output_tokens</c>, <c>input_tokens_details</c>) fills the same properties as chat's, whether at the root of a
    /// JSON body or in the <c>response</c> of an SSE event.
    /// </summary>
    public int? ReasoningTokens { get; private set; }

    /// <summary><c>error.code</c> of an error body.</summary>
    public string? ErrorCode { get; private set; }

    /// <summary>Every non-null <c>finish_reason</c>, in order.</summary>
    public IReadOnlyList<string> FinishReasons => _finishReasons;

    /// <summary>Content-filter verdicts: every prompt category, and each completion category that filtered.</summary>
    public IReadOnlyList<ContentFilterVerdict> Verdicts => _verdicts;

    /// <summary>True when some choice ended with <c>finish_reason: content_filter</c>.</summary>
    public bool CompletionFiltered { get; private set; }

    /// <summary>True when the body could not be followed (invalid or too unusual); what was seen so far stands.</summary>
    public bool Failed => _failed;

    /// <summary>True when a <c>usage</c> object was seen (its counts may still be absent).</summary>
    public bool UsageSeen => _usageSeen;

    /// <summary>
    /// Counts the completion tokens of the streamed text from here on (content, refusal, tool-call and function-call
    /// names and arguments), with <paramref name="tokenizer"/>: the estimate for a stream that ends without usage.
    /// </summary>
    public void CountOutput(Tokenizer tokenizer) => _output.Start(tokenizer);

    /// <summary>Completion tokens of the text seen since <see cref="CountOutput"/> (0 when not counting).</summary>
    public long CountedOutputTokens() => _output.Count();

    /// <summary>Feeds the next chunk of a JSON (non-streaming) body.</summary>
    public void FeedJson(ReadOnlySpan<byte> chunk)
    {
        if (_failed || _complete || chunk.IsEmpty)
        {
            return;
        }

        ReadOnlySpan<byte> data = chunk;
        if (_carryLength > 0)
        {
            EnsureCarry(_carryLength + chunk.Length);
            chunk.CopyTo(_carry.AsSpan(_carryLength));
            data = _carry.AsSpan(0, _carryLength + chunk.Length);
        }

        var reader = new Utf8JsonReader(data, isFinalBlock: false, _state);
        try
        {
            while (reader.Read())
            {
                Handle(ref reader);
                if (reader.CurrentDepth == 0 && reader.TokenType == JsonTokenType.EndObject)
                {
                    _complete = true;
                    ReleaseCarry();
                    return;
                }
            }
        }
        catch (JsonException)
        {
            _failed = true;
            ReleaseCarry();
            return;
        }

        _state = reader.CurrentState;
        var rest = data[(int)reader.BytesConsumed..];
        if (rest.Length > MaxCarryBytes)
        {
            _failed = true;
            ReleaseCarry();
            return;
        }

        EnsureCarry(rest.Length);
        rest.CopyTo(_carry);
        _carryLength = rest.Length;
    }

    /// <summary>Feeds the next chunk of a <c>text/event-stream</c> body.</summary>
    public void FeedSse(ReadOnlySpan<byte> chunk)
    {
        if (_failed || chunk.IsEmpty)
        {
            return;
        }

        if (_carryLength > 0)
        {
            EnsureCarry(_carryLength + chunk.Length);
            chunk.CopyTo(_carry.AsSpan(_carryLength));
            var all = _carry.AsSpan(0, _carryLength + chunk.Length);
            var consumed = ProcessLines(all);
            var rest = all[consumed..];
            rest.CopyTo(_carry);
            _carryLength = rest.Length;
        }
        else
        {
            var consumed = ProcessLines(chunk);
            var rest = chunk[consumed..];
            if (rest.Length > 0)
            {
                EnsureCarry(rest.Length);
                rest.CopyTo(_carry);
                _carryLength = rest.Length;
            }
        }

        if (_carryLength > MaxCarryBytes)
        {
            _failed = true;
            ReleaseCarry();
        }
    }

    private int ProcessLines(ReadOnlySpan<byte> data)
    {
        var lines = new SseLineReader(data);
        while (lines.TryReadLine(out var line))
        {
            if (SseLineReader.TryGetData(line, out var payload) && !payload.IsEmpty && !payload.SequenceEqual("[DONE]"u8))
            {
                ParseEvent(payload);
            }
        }

        return lines.Consumed;
    }

    private void ParseEvent(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        _eventChoices = -1;
        _eventUsage = false;
        _countDelta = false;
        try
        {
            while (reader.Read())
            {
                Handle(ref reader);
            }

            if (_eventChoices == 0 && _eventUsage)
            {
                _usageChunkSeen = true;
            }
        }
        catch (JsonException)
        {
            // One malformed event does not stop the observation of the next ones.
        }
    }

    /// <summary>
    /// True when a usage chunk (an SSE event with <c>"choices":[]</c> and a <c>usage</c> object, sent last when
    /// <c>stream_options.include_usage</c> is on) was fed since the last call; clears the flag. A relay that feeds the
    /// observer up to each event's end learns this way whether that event was the usage chunk.
    /// </summary>
    public bool TakeUsageChunk()
    {
        var seen = _usageChunkSeen;
        _usageChunkSeen = false;
        return seen;
    }

    private void Handle(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            case JsonTokenType.StartArray:
                var kind = depth == 0
                    ? (reader.TokenType == JsonTokenType.StartObject ? Kind.Root : Kind.Other)
                    : ChildKind(_kinds[depth - 1], _props[depth], reader.TokenType == JsonTokenType.StartArray);
                _kinds[depth] = kind;
                _props[depth + 1] = Prop.None;
                if (kind == Kind.Choices)
                {
                    _eventChoices = 0;
                }
                else if (kind == Kind.Choice && depth == 2)
                {
                    _eventChoices++;
                    _choiceIndex = 0;
                    _output.BeginChoice();
                }
                else if (kind == Kind.Usage)
                {
                    _eventUsage = true;
                    _usageSeen = true;
                }

                if (kind is Kind.Category)
                {
                    _severity = null;
                    _filtered = false;
                    _detected = false;
                }

                break;

            case JsonTokenType.EndObject:
                if (_kinds[depth] == Kind.Category)
                {
                    EmitCategory(_kinds[depth - 1]);
                }
                else if (_kinds[depth] == Kind.Choice && depth == 2)
                {
                    _output.EndChoice(_choiceIndex);
                }

                break;

            case JsonTokenType.PropertyName:
                var parent = _kinds[depth - 1];
                _props[depth] = parent == Kind.Other ? Prop.None : PropFor(ref reader, parent);
                break;

            case JsonTokenType.String:
            case JsonTokenType.Number:
            case JsonTokenType.True:
            case JsonTokenType.False:
                if (depth > 0 && _kinds[depth - 1] != Kind.Other)
                {
                    HandleValue(ref reader, _kinds[depth - 1], _props[depth]);
                }

                break;
        }
    }

    private static Kind ChildKind(Kind parent, Prop prop, bool isArray) => (parent, prop, isArray) switch
    {
        (Kind.Root, Prop.Usage, false) => Kind.Usage,
        (Kind.Usage, Prop.PromptTokensDetails, false) => Kind.PromptDetails,
        (Kind.Usage, Prop.CompletionTokensDetails, false) => Kind.CompletionDetails,
        (Kind.Root, Prop.Response, false) => Kind.Root, // a Responses SSE event's response: read as a JSON answer's root
        (Kind.Root, Prop.IncompleteDetails, false) => Kind.Incomplete,
        (Kind.Root, Prop.Choices, true) => Kind.Choices,
        (Kind.Choices, _, false) => Kind.Choice,
        (Kind.Choice, Prop.Delta, false) => Kind.Delta,
        (Kind.Delta, Prop.ToolCalls, true) => Kind.ToolCalls,
        (Kind.ToolCalls, _, false) => Kind.ToolCall,
        (Kind.ToolCall, Prop.Function, false) => Kind.Function,
        (Kind.Delta, Prop.FunctionCall, false) => Kind.Function,
        (Kind.Root, Prop.PromptFilterResults, true) => Kind.PromptFilters,
        (Kind.PromptFilters, _, false) => Kind.PromptFilterItem,
        (Kind.PromptFilterItem, Prop.ContentFilterResults, false) => Kind.PromptFilterResults,
        (Kind.Choice, Prop.ContentFilterResults, false) => Kind.ChoiceFilterResults,
        (Kind.Root, Prop.Error, false) => Kind.Error,
        (Kind.Error, Prop.InnerError, false) => Kind.InnerError,
        (Kind.InnerError, Prop.ContentFilterResult, false) => Kind.ErrorFilterResults,
        (Kind.PromptFilterResults or Kind.ChoiceFilterResults or Kind.ErrorFilterResults, Prop.Category, false) => Kind.Category,
        _ => Kind.Other,
    };

    private Prop PropFor(ref Utf8JsonReader reader, Kind parent)
    {
        switch (parent)
        {
            case Kind.Root:
                if (reader.ValueTextEquals("id"u8)) return Prop.Id;
                if (reader.ValueTextEquals("model"u8)) return Prop.Model;
                if (reader.ValueTextEquals("usage"u8)) return Prop.Usage;
                if (reader.ValueTextEquals("choices"u8)) return Prop.Choices;
                if (reader.ValueTextEquals("prompt_filter_results"u8)) return Prop.PromptFilterResults;
                if (reader.ValueTextEquals("error"u8)) return Prop.Error;
                // The Responses API's shapes.
                if (reader.ValueTextEquals("type"u8)) return Prop.Type;
                if (reader.ValueTextEquals("delta"u8)) return Prop.ResponseDelta;
                if (reader.ValueTextEquals("response"u8)) return Prop.Response;
                if (reader.ValueTextEquals("incomplete_details"u8)) return Prop.IncompleteDetails;
                return Prop.None;
            case Kind.Usage:
                if (reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8)) return Prop.PromptTokens;
                if (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8)) return Prop.CompletionTokens;
                if (reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("input_tokens_details"u8)) return Prop.PromptTokensDetails;
                if (reader.ValueTextEquals("completion_tokens_details"u8) || reader.ValueTextEquals("output_tokens_details"u8)) return Prop.CompletionTokensDetails;
                return Prop.None;
            case Kind.PromptDetails:
                if (reader.ValueTextEquals("cached_tokens"u8)) return Prop.CachedTokens;
                return reader.ValueTextEquals("audio_tokens"u8) ? Prop.AudioInputTokens : Prop.None;
            case Kind.CompletionDetails:
                if (reader.ValueTextEquals("reasoning_tokens"u8)) return Prop.ReasoningTokens;
                return reader.ValueTextEquals("audio_tokens"u8) ? Prop.AudioOutputTokens : Prop.None;
            case Kind.Incomplete:
                // Why a response stopped early (max_output_tokens, content_filter): its finish reason.
                return reader.ValueTextEquals("reason"u8) ? Prop.FinishReason : Prop.None;
            case Kind.Choice:
                if (reader.ValueTextEquals("delta"u8)) return Prop.Delta;
                if (reader.ValueTextEquals("index"u8)) return Prop.Index;
                if (reader.ValueTextEquals("finish_reason"u8)) return Prop.FinishReason;
                if (reader.ValueTextEquals("content_filter_results"u8)) return Prop.ContentFilterResults;
                return Prop.None;
            case Kind.Delta:
                if (reader.ValueTextEquals("content"u8)) return Prop.Content;
                if (reader.ValueTextEquals("tool_calls"u8)) return Prop.ToolCalls;
                if (reader.ValueTextEquals("refusal"u8)) return Prop.Content;
                if (reader.ValueTextEquals("function_call"u8)) return Prop.FunctionCall;
                return Prop.None;
            case Kind.ToolCall:
                return reader.ValueTextEquals("function"u8) ? Prop.Function : Prop.None;
            case Kind.Function:
                // A call's name and its argument text are both generated tokens.
                return reader.ValueTextEquals("arguments"u8) || reader.ValueTextEquals("name"u8) ? Prop.Content : Prop.None;
            case Kind.PromptFilterItem:
                return reader.ValueTextEquals("content_filter_results"u8) ? Prop.ContentFilterResults : Prop.None;
            case Kind.Error:
                if (reader.ValueTextEquals("code"u8)) return Prop.Code;
                if (reader.ValueTextEquals("innererror"u8)) return Prop.InnerError;
                return Prop.None;
            case Kind.InnerError:
                return reader.ValueTextEquals("content_filter_result"u8) ? Prop.ContentFilterResult : Prop.None;
            case Kind.PromptFilterResults:
            case Kind.ChoiceFilterResults:
            case Kind.ErrorFilterResults:
                _category = ContentFilterNames.Category(ref reader);
                return Prop.Category;
            case Kind.Category:
                if (reader.ValueTextEquals("filtered"u8)) return Prop.Filtered;
                if (reader.ValueTextEquals("severity"u8)) return Prop.Severity;
                if (reader.ValueTextEquals("detected"u8)) return Prop.Detected;
                return Prop.None;
            default:
                return Prop.None;
        }
    }

    private void HandleValue(ref Utf8JsonReader reader, Kind parent, Prop prop)
    {
        switch (prop)
        {
            case Prop.Id when parent == Kind.Root && reader.TokenType == JsonTokenType.String && ResponseId is null:
                ResponseId = reader.GetString();
                break;
            case Prop.Model when parent == Kind.Root && reader.TokenType == JsonTokenType.String:
                if (ResponseModel is null || !reader.ValueTextEquals(ResponseModel))
                {
                    ResponseModel = _lastModel is not null && reader.ValueTextEquals(_lastModel) ? _lastModel : reader.GetString();
                }

                break;
            case Prop.PromptTokens when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var input):
                InputTokens = input;
                break;
            case Prop.CompletionTokens when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var output):
                OutputTokens = output;
                break;
            case Prop.CachedTokens when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var cached):
                CachedInputTokens = cached;
                break;
            case Prop.AudioInputTokens when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var audioIn):
                AudioInputTokens = audioIn;
                break;
            case Prop.AudioOutputTokens when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var audioOut):
                AudioOutputTokens = audioOut;
                break;
            case Prop.ReasoningTokens when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var reasoning):
                ReasoningTokens = reasoning;
                break;
            case Prop.Type when reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.String:
                // Generated text arrives in these events' delta; the rest (reasoning summaries, audio, tool progress) is
                // not counted, as chat counts content, refusals and tool calls.
                _countDelta = _output.IsActive && (reader.ValueTextEquals("response.output_text.delta"u8)
                    || reader.ValueTextEquals("response.function_call_arguments.delta"u8) || reader.ValueTextEquals("response.refusal.delta"u8));
                break;
            case Prop.ResponseDelta when _countDelta && reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.String:
                _output.BeginChoice();
                _output.Append(ref reader);
                _output.EndChoice(0);
                break;
            case Prop.Index when parent == Kind.Choice && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var index):
                _choiceIndex = index;
                break;
            case Prop.Content when reader.TokenType == JsonTokenType.String:
                _output.Append(ref reader);
                break;
            case Prop.FinishReason when reader.TokenType == JsonTokenType.String:
                var reason = ContentFilterNames.FinishReason(ref reader);
                if (ReferenceEquals(reason, ContentFilterNames.ContentFilter))
                {
                    CompletionFiltered = true;
                }

                if (_finishReasons.Count < MaxFinishReasons)
                {
                    _finishReasons.Add(reason);
                }

                break;
            case Prop.Code when parent == Kind.Error && reader.TokenType == JsonTokenType.String:
                ErrorCode = reader.GetString();
                break;
            case Prop.Filtered when reader.TokenType is JsonTokenType.True or JsonTokenType.False:
                _filtered = reader.GetBoolean();
                break;
            case Prop.Detected when reader.TokenType is JsonTokenType.True or JsonTokenType.False:
                _detected = reader.GetBoolean();
                break;
            case Prop.Severity when reader.TokenType == JsonTokenType.String:
                _severity = ContentFilterNames.Severity(ref reader);
                break;
        }
    }

    private void EmitCategory(Kind results)
    {
        var source = results == Kind.ChoiceFilterResults ? "completion" : "prompt";
        // Per-chunk completion results repeat on every chunk of a stream: only a filtering verdict is news.
        if ((results == Kind.ChoiceFilterResults && !_filtered) || _verdicts.Count >= MaxVerdicts)
        {
            return;
        }

        var severity = _severity ?? (_detected ? "detected" : "not_detected");
        _verdicts.Add(new ContentFilterVerdict(source, _category, severity, _filtered));
    }

    private void EnsureCarry(int size)
    {
        if (_carry is null)
        {
            _carry = ArrayPool<byte>.Shared.Rent(Math.Max(size, 4096));
        }
        else if (_carry.Length < size)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(size, _carry.Length * 2));
            _carry.AsSpan(0, _carryLength).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = larger;
        }
    }

    private void ReleaseCarry()
    {
        _carryLength = 0;
        if (_carry is not null)
        {
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = null;
        }
    }

    /// <summary>Returns the carry buffer; a rented observer is also cleared and kept as this thread's spare.</summary>
    public void Dispose()
    {
        ReleaseCarry();
        if (!_rented)
        {
            _output.Dispose();
            return;
        }

        _rented = false;
        _lastModel = ResponseModel ?? _lastModel;
        Array.Clear(_kinds);
        Array.Clear(_props);
        _finishReasons.Clear();
        _verdicts.Clear();
        _state = new JsonReaderState(ReaderOptions);
        _failed = false;
        _complete = false;
        _eventChoices = 0;
        _eventUsage = false;
        _usageSeen = false;
        _usageChunkSeen = false;
        _countDelta = false;
        _category = "other";
        _severity = null;
        _filtered = false;
        _detected = false;
        ResponseId = null;
        ResponseModel = null;
        InputTokens = null;
        OutputTokens = null;
        CachedInputTokens = null;
        AudioInputTokens = null;
        AudioOutputTokens = null;
        ReasoningTokens = null;
        ErrorCode = null;
        CompletionFiltered = false;
        _output.Dispose();
        _choiceIndex = 0;
        t_spare = this;
    }

    private enum Kind : byte
    {
        Other,
        Root,
        Usage,
        PromptDetails,
        CompletionDetails,
        Choices,
        Choice,
        PromptFilters,
        PromptFilterItem,
        PromptFilterResults,
        ChoiceFilterResults,
        Error,
        InnerError,
        ErrorFilterResults,
        Category,
        Delta,
        ToolCalls,
        ToolCall,
        Function,
        Incomplete,
    }

    private enum Prop : byte
    {
        None,
        Id,
        Model,
        Usage,
        Choices,
        PromptFilterResults,
        Error,
        PromptTokens,
        CompletionTokens,
        PromptTokensDetails,
        CachedTokens,
        CompletionTokensDetails,
        AudioInputTokens,
        AudioOutputTokens,
        ReasoningTokens,
        FinishReason,
        ContentFilterResults,
        ContentFilterResult,
        Code,
        InnerError,
        Category,
        Filtered,
        Severity,
        Detected,
        Delta,
        Index,
        Content,
        ToolCalls,
        Function,
        FunctionCall,
        Type,
        ResponseDelta,
        Response,
        IncompleteDetails,
    }
}
