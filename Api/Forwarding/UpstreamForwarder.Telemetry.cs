using System.Diagnostics;
using System.Globalization;
using AspireAoai.Api.Answers;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.Routing;
using AspireAoai.Api.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace AspireAoai.Api.Forwarding;

/// <summary>Spans, metrics and logs of attempts and their outcomes.</summary>
public sealed partial class UpstreamForwarder
{
    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;
    private static readonly KeyValuePair<string, object?> StreamTrue = new("gen_ai.request.stream", BoxedTrue);
    private static readonly KeyValuePair<string, object?> StreamFalse = new("gen_ai.request.stream", BoxedFalse);

    private void RecordFirstByte(GatewayRequest request, Deployment deployment, long started, long firstByteTicks, RequestState state)
    {
        var sinceArrival = _time.GetElapsedTime(request.StartTimestamp);
        state.TimeToFirstByte = sinceArrival;
        var overhead = sinceArrival - _time.GetElapsedTime(0, state.UpstreamWaitTicks);
        var model = new KeyValuePair<string, object?>("gen_ai.request.model", request.Pool.Model);
        _telemetry.TimeToFirstByte.Record(sinceArrival.TotalSeconds, model, request.Parsed.Stream ? StreamTrue : StreamFalse);
        _telemetry.Overhead.Record(Math.Max(0, overhead.TotalSeconds), model);
        if (request.Parsed.Stream)
        {
            _telemetry.TimeToFirstChunk.Record(_time.GetElapsedTime(started, firstByteTicks).TotalSeconds,
                new("gen_ai.operation.name", request.Operation.GenAiName()), new("gen_ai.provider.name", GatewayTelemetry.ProviderName),
                model, new("server.address", deployment.ServerAddress));
        }
    }

    private void Complete(GatewayRequest request, Deployment deployment, int status, ResponseObserver observer, Activity? activity,
        TimeSpan duration, RequestState state)
    {
        // The callers captured the observer's usage (and estimated it when it was missing) before.
        state.Status = status;

        var tags = new TagList
        {
            { "gen_ai.operation.name", request.Operation.GenAiName() },
            { "gen_ai.provider.name", GatewayTelemetry.ProviderName },
            { "gen_ai.request.model", request.Pool.Model },
            { "server.address", deployment.ServerAddress },
        };
        if (observer.ResponseModel is not null)
        {
            tags.Add("gen_ai.response.model", observer.ResponseModel);
        }

        if (status >= 400)
        {
            tags.Add("error.type", StatusName(status));
        }

        _telemetry.OperationDuration.Record(duration.TotalSeconds, tags);
        // A stream without a usage chunk reports the gateway's estimate, as its usage event does.
        int? inputTokens = observer.InputTokens ?? (state.Estimated ? state.InputTokens : null);
        int? outputTokens = observer.OutputTokens ?? (state.Estimated ? state.OutputTokens : null);
        if (inputTokens is { } input)
        {
            var inputTags = tags;
            inputTags.Add("gen_ai.token.type", "input");
            _telemetry.TokenUsage.Record(input, inputTags);
        }

        if (outputTokens is { } output)
        {
            var outputTags = tags;
            outputTags.Add("gen_ai.token.type", "output");
            _telemetry.TokenUsage.Record(output, outputTags);
        }

        // Every answer carries several verdicts: index the list (no boxed enumerator) and reuse boxed flags.
        var verdicts = observer.Verdicts;
        for (var i = 0; i < verdicts.Count; i++)
        {
            var verdict = verdicts[i];
            var verdictTags = new TagList
            {
                { "aoai.content_filter.source", verdict.Source },
                { "aoai.content_filter.category", verdict.Category },
                { "aoai.content_filter.severity", verdict.Severity },
                { "aoai.content_filter.filtered", verdict.Filtered ? BoxedTrue : BoxedFalse },
            };
            _telemetry.ContentFilter.Add(1, verdictTags);
            if (verdict.Filtered)
            {
                ForwardingLog.ContentFiltered(_logger, deployment.Name, request.Client.Id, verdict.Source, verdict.Category, verdict.Severity, verdict.Filtered);
            }
        }

        if (observer.CompletionFiltered && observer.Verdicts.Count == 0)
        {
            // A filtered completion whose category the response did not carry.
            _telemetry.ContentFilter.Add(1, new("aoai.content_filter.source", "completion"), new("aoai.content_filter.category", "other"),
                new("aoai.content_filter.severity", "other"), new("aoai.content_filter.filtered", true));
        }

        if (activity is { IsAllDataRequested: true })
        {
            // Set once per attempt, by this method only: appended without a lookup.
            activity.AddTag("http.response.status_code", Boxed(status));
            activity.AddTag("gen_ai.response.model", observer.ResponseModel);
            activity.AddTag("gen_ai.response.id", observer.ResponseId);
            if (inputTokens is not null)
            {
                activity.AddTag("gen_ai.usage.input_tokens", inputTokens);
            }

            if (outputTokens is not null)
            {
                activity.AddTag("gen_ai.usage.output_tokens", outputTokens);
            }

            if (observer.ReasoningTokens is { } reasoning)
            {
                activity.AddTag("gen_ai.usage.reasoning.output_tokens", reasoning);
            }

            if (state.Estimated)
            {
                activity.AddTag("aoai.usage.estimated", BoxedTrue);
            }

            if (observer.FinishReasons.Count > 0)
            {
                activity.AddTag("gen_ai.response.finish_reasons", observer.FinishReasons.ToArray());
            }

            if (status >= 400)
            {
                activity.SetTag("error.type", observer.ErrorCode ?? StatusName(status));
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }
    }

    private void Fail(GatewayRequest request, Deployment deployment, int attempt, Activity? activity, string reason, int status,
        TimeSpan cooldown, DateTimeOffset now)
    {
        deployment.RecordFailure(reason, status, now);
        var cooled = cooldown > TimeSpan.Zero && deployment.CoolDown(now + cooldown);
        if (cooled)
        {
            _telemetry.Cooldowns.Add(1, new("aoai.deployment", deployment.Name), new("aoai.cooldown.reason", reason));
        }

        _telemetry.UpstreamResponses.Add(1, new("aoai.deployment", deployment.Name), new("http.response.status_code", reason));
        ForwardingLog.AttemptFailed(_logger, deployment.Name, attempt, request.Client.Id, reason, (long)cooldown.TotalMilliseconds);
        if (activity is not null)
        {
            activity.SetTag("error.type", reason);
            activity.SetTag("aoai.cooldown_ms", (long)cooldown.TotalMilliseconds);
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    /// <summary>
    /// Puts the attempt span's context (the request's, when the attempt span is not sampled) on the upstream request,
    /// through the propagators OpenTelemetry is configured with: the upstream client has no DiagnosticsHandler to do it.
    /// </summary>
    internal static void InjectTraceContext(Activity? attempt, HttpRequestMessage message)
    {
        var current = attempt ?? Activity.Current;
        if (current is not null)
        {
            // Trace context only: baggage (a caller's, or anything added in-process) never goes upstream.
            Propagators.DefaultTextMapPropagator.Inject(new PropagationContext(current.Context, default), message, SetRequestHeader);
        }
    }

    private static readonly Action<HttpRequestMessage, string, string> SetRequestHeader =
        static (message, name, value) => message.Headers.TryAddWithoutValidation(name, value);

    // A fresh span: AddTag appends without looking for an existing key, as SetTag does on every call.
    private static void TagRequest(Activity activity, GatewayRequest request, Deployment deployment, int attempt)
    {
        activity.AddTag("gen_ai.operation.name", request.Operation.GenAiName());
        activity.AddTag("gen_ai.provider.name", GatewayTelemetry.ProviderName);
        activity.AddTag("gen_ai.request.model", request.Pool.Model);
        if (request.Operation == OperationKind.Responses)
        {
            activity.AddTag("openai.api.type", "responses");
        }

        activity.AddTag("gen_ai.request.stream", request.Parsed.Stream ? BoxedTrue : BoxedFalse);
        if (request.Parsed.MaxTokens is { } maxTokens)
        {
            activity.AddTag("gen_ai.request.max_tokens", maxTokens);
        }

        if (request.Parsed.Temperature is { } temperature)
        {
            activity.AddTag("gen_ai.request.temperature", temperature);
        }

        activity.AddTag("server.address", deployment.ServerAddress);
        activity.AddTag("server.port", deployment.ServerPort);
        activity.AddTag("aoai.deployment", deployment.Name);
        activity.AddTag("aoai.region", deployment.Region);
        activity.AddTag("aoai.attempt", Boxed(attempt));
        activity.AddTag("aoai.client.id", request.Client.Id);
    }

    // Statuses and attempt numbers as tag values, made once: as strings (metrics) and boxed (span tags).
    private static readonly string[] StatusNames = Enumerable.Range(0, 600).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
    private static readonly object[] BoxedStatuses = Enumerable.Range(0, 600).Select(i => (object)i).ToArray();

    private static string StatusName(int status) => status is >= 0 and < 600 ? StatusNames[status] : status.ToString(CultureInfo.InvariantCulture);

    private static object Boxed(int value) => value is >= 0 and < 600 ? BoxedStatuses[value] : value;

    private static string ErrorName(HttpRequestError error) => error switch
    {
        HttpRequestError.NameResolutionError => "name_resolution_error",
        HttpRequestError.ConnectionError => "connection_error",
        HttpRequestError.SecureConnectionError => "tls_error",
        HttpRequestError.ResponseEnded => "response_ended",
        HttpRequestError.InvalidResponse => "invalid_response",
        _ => "http_error",
    };
}
