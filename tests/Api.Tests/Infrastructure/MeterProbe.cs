using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAoai.Api.Tests.Infrastructure;

/// <summary>
/// The measurements of one meter of one gateway (its own <see cref="IMeterFactory"/>, so gateways of other tests running
/// beside it do not count), summed by instrument and by instrument and tag value; a histogram counts its measurements.
/// </summary>
public sealed class MeterProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counts = new();

    public MeterProbe(IServiceProvider services, string meterName)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => Add(instrument, 1, tags));
        _listener.Start();
    }

    private void Add(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        _counts.AddOrUpdate(instrument.Name, value, (_, v) => v + value);
        foreach (var tag in tags)
        {
            var key = $"{instrument.Name}|{tag.Value}";
            _counts.AddOrUpdate(key, value, (_, v) => v + value);
        }
    }

    /// <summary>Sum of <paramref name="instrument"/>, or of its measurements carrying a tag with value <paramref name="tagValue"/>.</summary>
    public long Count(string instrument, string? tagValue = null)
        => _counts.TryGetValue(tagValue is null ? instrument : $"{instrument}|{tagValue}", out var v) ? v : 0;

    public async Task WaitForAsync(string instrument, string? tagValue, long atLeast, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (Count(instrument, tagValue) < atLeast)
        {
            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(15)))
            {
                throw new TimeoutException($"{instrument} {tagValue} stayed at {Count(instrument, tagValue)}, expected {atLeast}. Seen: {string.Join(", ", _counts)}");
            }

            await Task.Delay(10);
        }
    }

    public void Dispose() => _listener.Dispose();
}
