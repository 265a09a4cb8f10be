using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspireAoai.Api.UsageReports;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ClientUsageReport))]
[JsonSerializable(typeof(AdminUsageReport))]
internal sealed partial class UsageJsonContext : JsonSerializerContext;
