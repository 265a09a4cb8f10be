namespace AspireAoai.Worker.Hosting;

/// <summary>When the consume loop last went round; a stuck loop shows here before it shows as lag.</summary>
public sealed class AggregationHeartbeat(TimeProvider time)
{
    private long _last = time.GetTimestamp();

    public void Beat() => Interlocked.Exchange(ref _last, time.GetTimestamp());

    public TimeSpan SinceLastBeat => time.GetElapsedTime(Interlocked.Read(ref _last));
}
