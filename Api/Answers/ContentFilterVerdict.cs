namespace AspireAoai.Api.Answers;

/// <summary>One content-filter verdict seen in a response.</summary>
/// <param name="Source"><c>prompt</c> (prompt filter results or a filtered-prompt error) or <c>completion</c>.</param>
/// <param name="Category">hate, self_harm, sexual, violence, jailbreak, ... or <c>other</c>.</param>
/// <param name="Severity">safe, low, medium, high; <c>detected</c>/<c>not_detected</c> for detection-only categories.</param>
/// <param name="Filtered">Whether this category blocked the content.</param>
public readonly record struct ContentFilterVerdict(string Source, string Category, string Severity, bool Filtered);
