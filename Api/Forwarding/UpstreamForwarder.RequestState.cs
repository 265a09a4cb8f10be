using AspireAoai.Api.Answers;
using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Forwarding;

public sealed partial class UpstreamForwarder
{
    /// <summary>What the attempts of one request learned, across attempts, for its outcome.</summary>
    private sealed class RequestState
    {
        public int Attempts;
        public long UpstreamWaitTicks;
        public TimeSpan? TimeToFirstByte;
        public bool HideUsageChunk;

        /// <summary>Responses: the id of the response was recorded with its deployment.</summary>
        public bool OwnerRecorded;

        /// <summary>Why an attempt failed inside this gateway (<see cref="LocalFault"/>), null when none did.</summary>
        public string? LocalFault;

        /// <summary>The status the client got (499 when it went away), 0 while unknown.</summary>
        public int Status;

        /// <summary>The deployment whose answer was relayed; null when none was.</summary>
        public Deployment? Deployment;

        public int InputTokens;
        public int OutputTokens;
        public int CachedInputTokens;
        public int AudioInputTokens;
        public int AudioOutputTokens;
        public int ReasoningTokens;
        public string? ResponseModel;

        /// <summary>When the cost header was computed: the usage event is priced at the same moment.</summary>
        public DateTimeOffset? PricedAt;

        public bool UsageKnown;

        /// <summary>The tokens are the gateway's count, not the upstream's: the stream ended without its usage chunk.</summary>
        public bool Estimated;

        public void Capture(ResponseObserver observer)
        {
            InputTokens = observer.InputTokens ?? 0;
            OutputTokens = observer.OutputTokens ?? 0;
            CachedInputTokens = observer.CachedInputTokens ?? 0;
            AudioInputTokens = observer.AudioInputTokens ?? 0;
            AudioOutputTokens = observer.AudioOutputTokens ?? 0;
            ReasoningTokens = observer.ReasoningTokens ?? 0;
            ResponseModel = observer.ResponseModel;
            UsageKnown = observer.InputTokens is not null || observer.OutputTokens is not null;
        }
    }
}
