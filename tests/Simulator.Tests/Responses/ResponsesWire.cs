using System.Text.Json;

namespace AspireAoai.Simulator.Tests.Responses;

/// <summary>Paths, bodies and the SSE parsing the raw Responses tests share.</summary>
internal static class ResponsesWire
{
    public const string V1Path = "openai/v1/responses";
    public const string DatedVersion = "2025-03-01-preview";

    public static string DatedPath(string? apiVersion = DatedVersion, string suffix = "") =>
        apiVersion is null ? $"openai/responses{suffix}" : $"openai/responses{suffix}?api-version={apiVersion}";

    public static string Body(string input, string model = "gpt-4o", bool stream = false, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["model"] = model, ["input"] = input };
        if (stream)
        {
            body["stream"] = true;
        }

        foreach (var property in extra?.GetType().GetProperties() ?? [])
        {
            body[property.Name] = property.GetValue(extra);
        }

        return JsonSerializer.Serialize(body);
    }

    /// <summary>Each event's <c>event:</c> name and <c>data:</c> JSON; asserts the two name the same type.</summary>
    public static List<(string Name, JsonElement Data)> Events(string body)
    {
        var events = new List<(string, JsonElement)>();
        foreach (var block in body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("event: ", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("data: ", lines[1], StringComparison.Ordinal);
            var name = lines[0]["event: ".Length..];
            var data = JsonDocument.Parse(lines[1]["data: ".Length..]).RootElement.Clone();
            Assert.Equal(name, data.GetProperty("type").GetString());
            events.Add((name, data));
        }

        return events;
    }

    public static JsonElement Error(JsonElement body) => body.GetProperty("error");
}
