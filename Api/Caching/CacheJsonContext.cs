using System.Text.Json.Serialization;

namespace AspireAoai.Api.Caching;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CacheEntry))]
internal sealed partial class CacheJsonContext : JsonSerializerContext;
