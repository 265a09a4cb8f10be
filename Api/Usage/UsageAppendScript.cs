using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AspireAoai.Accounting.Usage;
using AspireAoai.Api.Budgets;
using StackExchange.Redis;

namespace AspireAoai.Api.Usage;

/// <summary>
/// Appends a chunk of usage events and adds their cost to the clients' running spend, atomically and once: a batch
/// retried after a lost reply must neither append an event twice (the Worker would count it twice) nor charge a
/// budget twice. Each call carries a marker key of its own (set with NX); the writer builds a batch's calls once and
/// retries exactly those, so a call Redis already applied is skipped whole. Costs are summed per spend counter in
/// the call, so a chunk of 64 events from one client costs two INCRBYs, not 128, and the chunk is one stream entry
/// (schema version 3), one XADD, not 64. The same call releases the budget reservations of the events' requests (and
/// adds a grouped client's cost to its group's counters too), so a reservation turns into the real cost in one step.
/// Loaded once; called by SHA.
/// </summary>
internal static class UsageAppendScript
{
    // KEYS: 1 call marker, 2 stream, 3..2+S spend counters, 3+S..2+S+R reservation hashes.
    // ARGV: 1 marker ttl s, 2 stream maxlen, 3 S (spend counters), then S pairs (picodollars, ttl s) from 4, then R
    // (releases) and R pairs (expiry bucket field, picodollars), then the number of events and the entry's field-value
    // pairs (UsageEventCodec.CopyStreamValues): every event of the call goes into one entry (schema version 3), one XADD
    // instead of one per event. A release takes at most what its bucket still holds (an expired bucket was evicted by
    // the admission script, which also keeps the hash's total 'n').
    internal const string Source = """
        if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
          return 0
        end
        local s = tonumber(ARGV[3])
        local a = 4
        for k = 1, s do
          redis.call('INCRBY', KEYS[2 + k], ARGV[a])
          redis.call('EXPIRE', KEYS[2 + k], ARGV[a + 1])
          a = a + 2
        end
        local r = tonumber(ARGV[a])
        a = a + 1
        for k = 1, r do
          local key = KEYS[2 + s + k]
          local v = tonumber(redis.call('HGET', key, ARGV[a]))
          if v then
            local x = math.min(v, tonumber(ARGV[a + 1]))
            if x >= v then redis.call('HDEL', key, ARGV[a]) else redis.call('HINCRBY', key, ARGV[a], string.format('%d', -x)) end
            redis.call('HINCRBY', key, 'n', string.format('%d', -x))
          end
          a = a + 2
        end
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, a + 1))
        return tonumber(ARGV[a])
        """;

    internal static readonly byte[] Hash = System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes(Source));

    /// <summary>Events per script call: long enough to amortise the call, short enough not to hold Redis for long.</summary>
    internal const int EventsPerCall = 64;

    private const string MarkerPrefix = "aoai:usage:call:";
    private const int DayTtlSeconds = 3 * 24 * 3600;     // a day's counter outlives its day, for late events and the usage API
    private const int MonthTtlSeconds = 40 * 24 * 3600;  // a month's likewise

    /// <summary>One script call: its keys, its arguments and how many events it appends.</summary>
    internal sealed record Call(RedisKey[] Keys, RedisValue[] Args, int Events);

    /// <summary>
    /// The calls that write <paramref name="batch"/>, each with a fresh marker. Build them once per batch and retry
    /// the same calls: that is what makes a retry safe.
    /// </summary>
    internal static List<Call> Calls(IReadOnlyList<PendingUsage> batch, UsageOptions options)
    {
        using var json = new Utf8JsonWriter(Stream.Null);
        var events = new UsageEvent[Math.Min(EventsPerCall, batch.Count)];
        var calls = new List<Call>((batch.Count + EventsPerCall - 1) / EventsPerCall);
        var spend = new Dictionary<string, (long Picodollars, int Ttl)>(StringComparer.Ordinal);
        var releases = new List<(RedisKey Key, string Field, long Picodollars)>();
        // A call's events are nearly always one client's, on one day: their counter names are made once, not per event.
        string? client = null, dayKey = null, monthKey = null;
        var date = default(DateTime);
        for (var first = 0; first < batch.Count; first += EventsPerCall)
        {
            var count = Math.Min(EventsPerCall, batch.Count - first);
            spend.Clear();
            releases.Clear();
            for (var i = first; i < first + count; i++)
            {
                var pending = batch[i];
                var (usage, cost) = pending;
                var picodollars = cost is { } usd ? SpendKeys.ToPicodollars(usd) : 0;
                if (picodollars > 0)
                {
                    var day = usage.Timestamp.UtcDateTime;
                    if (!string.Equals(usage.ClientId, client, StringComparison.Ordinal) || day.Date != date)
                    {
                        (client, date) = (usage.ClientId, day.Date);
                        (dayKey, monthKey) = (SpendKeys.Day(client, day), SpendKeys.Month(client, day));
                    }

                    Add(spend, dayKey!, picodollars, DayTtlSeconds);
                    Add(spend, monthKey!, picodollars, MonthTtlSeconds);
                    if (pending.Group is { } group)
                    {
                        Add(spend, SpendKeys.GroupDay(group, day), picodollars, DayTtlSeconds);
                        Add(spend, SpendKeys.GroupMonth(group, day), picodollars, MonthTtlSeconds);
                    }
                }

                if (pending.Reservation is { } reservation)
                {
                    var field = "x" + reservation.Bucket.ToString(CultureInfo.InvariantCulture);
                    releases.Add((reservation.ClientKey, field, reservation.Picodollars));
                    if (reservation.GroupKey is { } groupKey)
                    {
                        releases.Add((groupKey, field, reservation.Picodollars));
                    }
                }
            }

            var keys = new RedisKey[2 + spend.Count + releases.Count];
            var args = new RedisValue[3 + (2 * spend.Count) + 1 + (2 * releases.Count) + 1 + (2 * UsageEventCodec.StreamFieldCount)];
            keys[0] = MarkerPrefix + Guid.NewGuid().ToString("N");
            keys[1] = UsageStream.Key;
            args[0] = options.DeduplicationSeconds;
            args[1] = options.StreamMaxLength;
            args[2] = spend.Count;
            var k = 0;
            foreach (var (key, (amount, ttl)) in spend)
            {
                keys[2 + k] = key;
                args[3 + (2 * k)] = amount;
                args[4 + (2 * k)] = ttl;
                k++;
            }

            var at = 3 + (2 * spend.Count);
            args[at++] = releases.Count;
            for (var i = 0; i < releases.Count; i++)
            {
                keys[2 + spend.Count + i] = releases[i].Key;
                args[at++] = releases[i].Field;
                args[at++] = releases[i].Picodollars;
            }

            for (var i = 0; i < count; i++)
            {
                events[i] = batch[first + i].Event;
            }

            var packed = new ArrayBufferWriter<byte>(count * 192);
            json.Reset(packed);
            UsageEventCodec.WriteEntry(json, events.AsSpan(0, count));
            json.Flush();
            args[at] = count;
            UsageEventCodec.CopyStreamValues(args.AsSpan(at + 1, 2 * UsageEventCodec.StreamFieldCount), packed.WrittenMemory);
            calls.Add(new Call(keys, args, count));
        }

        return calls;
    }

    private static void Add(Dictionary<string, (long Picodollars, int Ttl)> spend, string key, long picodollars, int ttl)
        => spend[key] = spend.TryGetValue(key, out var sum) ? (sum.Picodollars + picodollars, ttl) : (picodollars, ttl);
}
