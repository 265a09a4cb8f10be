namespace AspireAoai.Api.Usage;

/// <summary>The meter the usage reporter and the stream writer share, so their instruments show as one component.</summary>
internal static class UsageTelemetry
{
    public const string MeterName = "AspireAoai.Api.Usage";
}
