using System.Diagnostics;
using AspireAoai.Accounting.Usage;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.Usage;

/// <summary>Reads the usage events the gateway wrote to a real Redis.</summary>
public sealed class UsageStreamProbe(IDatabase db)
{
    /// <summary>
    /// Waits until the stream holds <paramref name="count"/> events, then a little longer to see that no more follow
    /// (a second report of a request would arrive with the first).
    /// </summary>
    public async Task<List<UsageEvent>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (await db.StreamLengthAsync(UsageStream.Key) < count)
        {
            if (watch.Elapsed > (timeout ?? TimeSpan.FromSeconds(15)))
            {
                throw new TimeoutException($"the usage stream has {await db.StreamLengthAsync(UsageStream.Key)} events, expected {count}");
            }

            await Task.Delay(20);
        }

        await Task.Delay(400);
        var entries = await db.StreamRangeAsync(UsageStream.Key);
        var events = new List<UsageEvent>();
        foreach (var entry in entries)
        {
            Assert.True(UsageEvent.TryParse(entry, out var usage, out var error), error);
            events.Add(usage);
        }

        Assert.Equal(count, events.Count);
        Assert.Equal(count, events.Select(e => e.RequestId).Distinct().Count());
        return events;
    }
}
