using AspireAoai.Simulator.Deployments;

namespace AspireAoai.Simulator.Chat;

/// <summary>Everything needed to write one answer, streamed or not.</summary>
internal sealed record ChatCompletion(
    string Id,
    long Created,
    Deployment Deployment,
    IReadOnlyList<GeneratedChoice> Choices,
    int PromptTokens,
    bool CompletionFiltered)
{
    public int CompletionTokens
    {
        get
        {
            var total = 0;
            foreach (var choice in Choices)
            {
                total += choice.Tokens;
            }

            return total;
        }
    }

    public static string NewId() => "chatcmpl-" + Guid.NewGuid().ToString("N");

    /// <summary>The text a choice ends with; a filtered completion stops halfway, as Azure cuts it where the filter tripped.</summary>
    public static int VisiblePieces(GeneratedChoice choice, bool filtered) =>
        filtered ? Math.Max(0, choice.Pieces.Count / 2) : choice.Pieces.Count;

    public static string FinishReason(GeneratedChoice choice, bool filtered) =>
        filtered ? "content_filter" : choice.HitLimit ? "length" : "stop";
}
