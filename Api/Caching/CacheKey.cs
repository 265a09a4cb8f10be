using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using AspireAoai.Api.Parsing;

namespace AspireAoai.Api.Caching;

/// <summary>
/// The cache key: SHA-256 over the operation, the pool's model and the request body in canonical form (object
/// keys sorted, numbers normalised, no insignificant whitespace), without the fields that do not change the answer.
/// The body's own <c>model</c> is dropped too: the pool names the model, so an alias and the model's own name share
/// entries. Computed only for cacheable requests.
/// </summary>
public static class CacheKey
{
    /// <summary>Bumped when the canonical form changes, so old entries are not read under new rules.</summary>
    private const string Version = "aoai-cache-v1";

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>Top-level fields that change how the answer is delivered or recorded, never what it says.</summary>
    internal static bool IsIgnoredTopLevel(string name) => name switch
    {
        "stream" or "stream_options" or "user" or "store" or "metadata" or "model" => true,
        _ => false,
    };

    private static readonly CacheKeyMemo Memo = new();

    /// <summary>The key as 64 lowercase hex characters: also the Cosmos item id. A body seen recently is not canonicalized again.</summary>
    public static string Compute(OperationKind operation, string poolModel, ReadOnlySpan<byte> body) =>
        Memo.GetOrCompute(operation, poolModel, body, ComputeCanonical);

    /// <summary>The key, canonicalized from <paramref name="body"/> every time.</summary>
    internal static string ComputeCanonical(OperationKind operation, string poolModel, ReadOnlySpan<byte> body)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, body.Length + 64));
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Indented = false }))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(Version);
            writer.WriteStringValue(operation.GenAiName());
            writer.WriteStringValue(poolModel);
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = DocumentOptions.MaxDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            WriteCanonical(writer, document.RootElement, topLevel: true);
            writer.WriteEndArray();
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer.WrittenSpan, hash);
        return Convert.ToHexStringLower(hash);
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element, bool topLevel)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = new List<(JsonProperty Property, int Position)>();
                foreach (var property in element.EnumerateObject())
                {
                    if (!(topLevel && IsIgnoredTopLevel(property.Name)))
                    {
                        properties.Add((property, properties.Count));
                    }
                }

                // Ordinal order of the names; a duplicate name keeps its position among equals.
                properties.Sort(static (a, b) =>
                {
                    var byName = string.CompareOrdinal(a.Property.Name, b.Property.Name);
                    return byName != 0 ? byName : a.Position.CompareTo(b.Position);
                });
                writer.WriteStartObject();
                foreach (var (property, _) in properties)
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value, topLevel: false);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item, topLevel: false);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.Number:
                // 0, 0.0 and 0e0 mean the same; integers stay exact (seeds are 64-bit).
                if (element.TryGetInt64(out var integer))
                {
                    writer.WriteNumberValue(integer);
                }
                else if (element.TryGetDouble(out var real) && double.IsFinite(real))
                {
                    if (real == Math.Floor(real) && Math.Abs(real) < 9e15)
                    {
                        writer.WriteNumberValue((long)real);
                    }
                    else
                    {
                        writer.WriteNumberValue(real);
                    }
                }
                else
                {
                    element.WriteTo(writer);
                }

                break;
            case JsonValueKind.String:
                // Re-encoded from the unescaped value, so "\u0041" and "A" agree.
                writer.WriteStringValue(element.GetString());
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
