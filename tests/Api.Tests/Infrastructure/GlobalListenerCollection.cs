namespace AspireAoai.Api.Tests.Infrastructure;

/// <summary>
/// Tests that observe process-wide telemetry (an <see cref="System.Diagnostics.ActivityListener"/> or a
/// <see cref="System.Diagnostics.Metrics.MeterListener"/>) would also see the spans and measurements of tests running
/// beside them in parallel. Classes in this collection run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalListenerCollection
{
    public const string Name = "Process-wide telemetry listeners";
}
