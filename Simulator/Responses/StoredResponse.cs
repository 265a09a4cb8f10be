using AspireAoai.Simulator.Deployments;

namespace AspireAoai.Simulator.Responses;

/// <summary>
/// A response the simulator made, as kept for <c>GET</c>, <c>input_items</c>, <c>previous_response_id</c> and
/// stream replay. Everything but the status of a background response is fixed once made.
/// </summary>
internal sealed class StoredResponse(
    string id,
    long createdAt,
    Deployment deployment,
    ResponsesRequest request,
    IReadOnlyList<ResponseItem> conversation,
    IReadOnlyList<ResponseItem> output,
    int inputTokens,
    int cachedTokens,
    int outputTokens,
    string? incompleteReason,
    DateTimeOffset readyAt)
{
    private const int Running = 0, Done = 1, Cancelled = 2;

    private int _state = request.Background ? Running : Done;

    public string Id => id;

    public long CreatedAt => createdAt;

    public Deployment Deployment => deployment;

    public ResponsesRequest Request => request;

    /// <summary>Every input item of the conversation so far, oldest first: the inherited turns, then this request's input.</summary>
    public IReadOnlyList<ResponseItem> Conversation => conversation;

    public IReadOnlyList<ResponseItem> Output => output;

    public int InputTokens => inputTokens;

    public int CachedTokens => cachedTokens;

    public int OutputTokens => outputTokens;

    /// <summary><c>max_output_tokens</c> or <c>content_filter</c> when the answer stopped early; null when complete.</summary>
    public string? IncompleteReason => incompleteReason;

    /// <summary>The status of the output items: <c>incomplete</c> when the answer stopped early, as upstream marks them.</summary>
    public string ItemStatus => incompleteReason is null ? "completed" : "incomplete";

    /// <summary>When a background response has finished generating (its creation time for the others).</summary>
    public DateTimeOffset ReadyAt => readyAt;

    /// <summary>The status at <paramref name="now"/>: a background response is <c>queued</c> until it is ready.</summary>
    public string StatusAt(DateTimeOffset now) => Volatile.Read(ref _state) switch
    {
        Cancelled => "cancelled",
        Running when now < readyAt => "queued",
        _ => incompleteReason is null ? "completed" : "incomplete",
    };

    /// <summary>True when the answer (output and usage) exists at <paramref name="now"/>.</summary>
    public bool HasAnswerAt(DateTimeOffset now) => StatusAt(now) is "completed" or "incomplete";

    /// <summary>Cancels a background response still generating; false when it has already finished (or was not background).</summary>
    public bool TryCancel(DateTimeOffset now)
    {
        if (Volatile.Read(ref _state) == Cancelled)
        {
            return true;
        }

        if (_state == Done || now >= readyAt)
        {
            Interlocked.CompareExchange(ref _state, Done, Running);
            return false;
        }

        return Interlocked.CompareExchange(ref _state, Cancelled, Running) != Done;
    }
}
