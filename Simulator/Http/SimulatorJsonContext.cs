using System.Text.Json;
using System.Text.Json.Serialization;
using AspireAoai.Simulator.Faults;
using AspireAoai.Simulator.Stats;

namespace AspireAoai.Simulator.Http;

/// <summary>Source-generated JSON for the admin API (the Azure OpenAI routes write with Utf8JsonWriter).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(FaultRequest))]
[JsonSerializable(typeof(FaultRuleView))]
[JsonSerializable(typeof(FaultsApi.FaultList))]
[JsonSerializable(typeof(StatsSnapshot))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Http.HttpValidationProblemDetails))]
internal sealed partial class SimulatorJsonContext : JsonSerializerContext;
