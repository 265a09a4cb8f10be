using System.Diagnostics;

namespace AspireAoai.ServiceDefaults.Tracing;

/// <summary>
/// W3C trace context without baggage. Injects <c>traceparent</c> and <c>tracestate</c> only, so no baggage a caller
/// sent (or any code added) leaves the process; extracts the incoming parent only when <see cref="TrustIncoming"/>:
/// a gateway on the internet that adopted every caller's <c>traceparent</c> would let anyone write into its traces
/// (and pick its sampling). Untrusted, each request starts a new root trace.
/// </summary>
public sealed class TraceParentPropagator(bool trustIncoming) : DistributedContextPropagator
{
    private const string TraceParent = "traceparent";
    private const string TraceState = "tracestate";

    /// <summary>True when incoming <c>traceparent</c> / <c>tracestate</c> become the parent of the request's span.</summary>
    public bool TrustIncoming { get; } = trustIncoming;

    public override IReadOnlyCollection<string> Fields { get; } = [TraceParent, TraceState];

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (activity is null || setter is null || activity.IdFormat != ActivityIdFormat.W3C || activity.Id is not { } id)
        {
            return;
        }

        setter(carrier, TraceParent, id);
        if (!string.IsNullOrEmpty(activity.TraceStateString))
        {
            setter(carrier, TraceState, activity.TraceStateString);
        }
    }

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        traceId = null;
        traceState = null;
        if (!TrustIncoming || getter is null)
        {
            return;
        }

        getter(carrier, TraceParent, out var parent, out _);
        getter(carrier, TraceState, out var state, out _);
        // Only a well-formed parent is adopted; anything else starts a new root rather than a malformed id.
        if (parent is not null && ActivityContext.TryParse(parent, state, out _))
        {
            traceId = parent;
            traceState = state;
        }
    }

    /// <summary>Never: baggage from outside is not trusted and not passed on.</summary>
    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) => null;
}
