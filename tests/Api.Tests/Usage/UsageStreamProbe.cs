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
        int seen;
        while ((seen = (await ReadAllAsync(db)).Count) < count)
        {
            if (watch.Elapsed > (timeout ?? TimeSpan.FromSeconds(15)))
            {
                throw new TimeoutException($"the usage stream has {seen} events, expected {count}");
            }

            await Task.Delay(20);
        }

        await Task.Delay(400);
        var events = await ReadAllAsync(db);
        Assert.Equal(count, events.Count);
        Assert.Equal(count, events.Select(e => e.RequestId).Distinct().Count());
        return events;
    }

    /// <summary>Every event in the stream, in order: an entry holds one or (schema version 3) several.</summary>
    public static async Task<List<UsageEvent>> ReadAllAsync(IDatabase db)
    {
        var events = new List<UsageEvent>();
        foreach (var entry in await db.StreamRangeAsync(UsageStream.Key))
        {
            Assert.True(UsageEventCodec.TryParse(entry, events, out var error), error);
        }

        return events;
    }
}
