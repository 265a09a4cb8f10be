using System.Text.Json;

namespace AspireAoai.Api.Answers;

// Reading: each token moves the path (what object and property the reader is in, see the Shape part) and records
// the values this observer exposes; content-filter categories are gathered field by field and emitted as verdicts.
public sealed partial class ResponseObserver
{
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
}
