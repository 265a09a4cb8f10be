using System.Text.Json;

namespace AspireAoai.Api.Answers;

/// <summary>
/// Known content-filter and finish-reason names as shared strings: no allocation per response, and a bounded
/// set of metric tag values (anything unknown becomes <c>other</c>).
/// </summary>
internal static class ContentFilterNames
{
    public const string ContentFilter = "content_filter";

    private static readonly string[] Categories =
    [
        "hate", "self_harm", "sexual", "violence", "jailbreak", "profanity", "protected_material_text",
        "protected_material_code", "indirect_attack", "custom_blocklists", "ungrounded_material",
    ];

    private static readonly string[] Severities = ["safe", "low", "medium", "high"];

    private static readonly string[] Reasons = ["stop", "length", ContentFilter, "tool_calls", "function_call"];

    public static string Category(ref Utf8JsonReader reader) => Match(ref reader, Categories) ?? "other";

    public static string Severity(ref Utf8JsonReader reader) => Match(ref reader, Severities) ?? "other";

    public static string FinishReason(ref Utf8JsonReader reader) => Match(ref reader, Reasons) ?? reader.GetString() ?? "other";

    private static string? Match(ref Utf8JsonReader reader, string[] names)
    {
        foreach (var name in names)
        {
            if (reader.ValueTextEquals(name))
            {
                return name;
            }
        }

        return null;
    }
}
