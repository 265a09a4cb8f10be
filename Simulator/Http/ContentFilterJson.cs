using System.Text.Json;

namespace AspireAoai.Simulator.Http;

/// <summary>Azure's content-filter annotations: all "safe", or one category filtered when a fault asks for it.</summary>
internal static class ContentFilterJson
{
    /// <summary>The category a simulated filter trips on.</summary>
    public const string FilteredCategory = "violence";
    public const string FilteredSeverity = "medium";

    /// <summary>The <c>content_filter_results</c> of a prompt: the four categories plus jailbreak.</summary>
    public static void WritePromptResults(Utf8JsonWriter writer, bool filtered)
    {
        writer.WriteStartObject();
        WriteSeverity(writer, "hate", false);
        WriteDetected(writer, "jailbreak");
        WriteSeverity(writer, "self_harm", false);
        WriteSeverity(writer, "sexual", false);
        WriteSeverity(writer, FilteredCategory, filtered);
        writer.WriteEndObject();
    }

    /// <summary>The <c>content_filter_results</c> of a choice: the four categories plus protected material.</summary>
    public static void WriteCompletionResults(Utf8JsonWriter writer, bool filtered)
    {
        writer.WriteStartObject();
        WriteSeverity(writer, "hate", false);
        WriteDetected(writer, "protected_material_code");
        WriteDetected(writer, "protected_material_text");
        WriteSeverity(writer, "self_harm", false);
        WriteSeverity(writer, "sexual", false);
        WriteSeverity(writer, FilteredCategory, filtered);
        writer.WriteEndObject();
    }

    /// <summary><c>"prompt_filter_results":[{"prompt_index":0,"content_filter_results":{...}}]</c>.</summary>
    public static void WritePromptFilterResults(Utf8JsonWriter writer)
    {
        writer.WriteStartArray("prompt_filter_results");
        writer.WriteStartObject();
        writer.WriteNumber("prompt_index", 0);
        writer.WritePropertyName("content_filter_results");
        WritePromptResults(writer, filtered: false);
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    private static void WriteSeverity(Utf8JsonWriter writer, string category, bool filtered)
    {
        writer.WriteStartObject(category);
        writer.WriteBoolean("filtered", filtered);
        writer.WriteString("severity", filtered ? FilteredSeverity : "safe");
        writer.WriteEndObject();
    }

    private static void WriteDetected(Utf8JsonWriter writer, string category)
    {
        writer.WriteStartObject(category);
        writer.WriteBoolean("filtered", false);
        writer.WriteBoolean("detected", false);
        writer.WriteEndObject();
    }
}
