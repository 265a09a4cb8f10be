using System.Text.Json;

namespace AspireAoai.Api.Answers;

// Shape: the answer objects and properties this observer follows (chat, Responses, errors, content filters); anything
// else is Other and its subtree is skipped without comparing names.
public sealed partial class ResponseObserver
{
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
