using System.Diagnostics;
using System.Diagnostics.Metrics;
using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Telemetry;

/// <summary>
/// The gateway's traces and metrics: the OpenTelemetry GenAI client conventions for each upstream call, plus
/// the gateway's own (failovers, cool-downs, attempts, time to first byte, overhead, content filtering and
/// per-deployment health). Names start with <c>AspireAoai.</c> so ServiceDefaults exports them.
/// </summary>
public sealed class GatewayTelemetry : IDisposable
{
    /// <summary>Name of the ActivitySource and the Meter.</summary>
    public const string Name = "AspireAoai.Gateway";

    /// <summary>Value of <c>gen_ai.provider.name</c>.</summary>
    public const string ProviderName = "azure.ai.openai";

    private readonly Meter _meter;

    public GatewayTelemetry(IMeterFactory meterFactory, DeploymentCatalog catalog, TimeProvider time)
    {
        _meter = meterFactory.Create(Name);
        TokenUsage = _meter.CreateHistogram(
            "gen_ai.client.token.usage", "{token}", "Tokens used per upstream operation, by gen_ai.token.type.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304] });
        OperationDuration = _meter.CreateHistogram(
            "gen_ai.client.operation.duration", "s", "Duration of upstream operations, to the last response byte.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        TimeToFirstChunk = _meter.CreateHistogram(
            "gen_ai.client.operation.time_to_first_chunk", "s", "Time from sending an upstream streaming request to its first chunk.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        Failovers = _meter.CreateCounter<long>(
            "aoai.gateway.failovers", "{failover}", "Requests moved to another deployment after a failed attempt.");
        Cooldowns = _meter.CreateCounter<long>(
            "aoai.gateway.cooldowns", "{cooldown}", "Cool-downs started, by deployment and reason.");
        Attempts = _meter.CreateHistogram(
            "aoai.gateway.upstream.attempts", "{attempt}", "Upstream attempts made for one client request.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 3, 4, 5, 8] });
        UpstreamResponses = _meter.CreateCounter<long>(
            "aoai.gateway.upstream.responses", "{response}", "Upstream attempt outcomes by deployment and status.");
        TimeToFirstByte = _meter.CreateHistogram(
            "aoai.gateway.time_to_first_byte", "s", "Time from a client request's arrival to the first response byte sent to it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        Overhead = _meter.CreateHistogram(
            "aoai.gateway.overhead", "s", "Time to first byte minus the time spent waiting on upstream attempts.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1] });
        ContentFilter = _meter.CreateCounter<long>(
            "aoai.gateway.content_filter.results", "{result}", "Content-filter verdicts by source, category and severity.");
        Rejections = _meter.CreateCounter<long>(
            "aoai.gateway.rejections", "{request}", "Requests the gateway answered itself with an error, by code.");
        _meter.CreateObservableGauge(
            "aoai.gateway.deployment.healthy", () => Health(catalog, time), "{deployment}",
            "1 while a deployment takes traffic, 0 while it cools down.");
        _meter.CreateObservableGauge(
            "aoai.gateway.deployment.cooldown_remaining", () => CooldownRemaining(catalog, time), "s",
            "Seconds left in a deployment's cool-down.");
    }

    private static readonly double[] DurationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

    public static ActivitySource ActivitySource { get; } = new(Name);

    public Histogram<int> TokenUsage { get; }

    public Histogram<double> OperationDuration { get; }

    public Histogram<double> TimeToFirstChunk { get; }

    public Counter<long> Failovers { get; }

    public Counter<long> Cooldowns { get; }

    public Histogram<int> Attempts { get; }

    public Counter<long> UpstreamResponses { get; }

    public Histogram<double> TimeToFirstByte { get; }

    public Histogram<double> Overhead { get; }

    public Counter<long> ContentFilter { get; }

    public Counter<long> Rejections { get; }

    private static IEnumerable<Measurement<int>> Health(DeploymentCatalog catalog, TimeProvider time)
    {
        var now = time.GetUtcNow();
        foreach (var d in catalog.Deployments)
        {
            yield return new Measurement<int>(d.IsCooling(now) ? 0 : 1, new("aoai.deployment", d.Name), new("aoai.region", d.Region));
        }
    }

    private static IEnumerable<Measurement<double>> CooldownRemaining(DeploymentCatalog catalog, TimeProvider time)
    {
        var now = time.GetUtcNow();
        foreach (var d in catalog.Deployments)
        {
            var until = d.CoolingUntil(now);
            yield return new Measurement<double>(until is null ? 0 : (until.Value - now).TotalSeconds, new("aoai.deployment", d.Name), new("aoai.region", d.Region));
        }
    }

    public void Dispose() => _meter.Dispose();
}
