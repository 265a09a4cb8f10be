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
/// <remarks>
/// One type in parts, since each step runs per token on the hot path and shares this state without indirection: this
/// file holds what was seen and the pooling; <c>.Chunks</c> feeds JSON and SSE bodies, <c>.Tokens</c> reads each token,
/// <c>.Shape</c> names the answer objects and properties followed.
/// </remarks>
public sealed partial class ResponseObserver : IDisposable
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
}
