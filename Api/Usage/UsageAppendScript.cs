using System.Globalization;
using System.Text;
using AspireAoai.Accounting.Usage;
using StackExchange.Redis;

namespace AspireAoai.Api.Usage;

/// <summary>
/// Appends one usage event idempotently and adds its cost to the client's running spend, atomically: a batch
/// retried after a lost reply must neither append an event twice (the Worker would count it twice) nor charge a
/// budget twice. Loaded once; called by SHA.
/// </summary>
internal static class UsageAppendScript
{
    // KEYS: 1 dedupe marker, 2 stream, 3 day spend, 4 month spend.
    // ARGV: 1 dedupe ttl s, 2 stream maxlen, 3 cost in picodollars (0 = none), 4 day ttl s, 5 month ttl s, 6.. fields.
    internal const string Source = """
        if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
          return 0
        end
        local fields = {}
        for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(fields))
        local cost = tonumber(ARGV[3])
        if cost > 0 then
          redis.call('INCRBY', KEYS[3], cost)
          redis.call('EXPIRE', KEYS[3], ARGV[4])
          redis.call('INCRBY', KEYS[4], cost)
          redis.call('EXPIRE', KEYS[4], ARGV[5])
        end
        return 1
        """;

    internal static readonly byte[] Hash = System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes(Source));

    private const int FixedArgs = 5;

    /// <summary>Builds the key and argument arrays for one event.</summary>
    internal static (RedisKey[] Keys, RedisValue[] Args) Arguments(UsageEvent usage, long costPicodollars, UsageOptions options)
    {
        var day = usage.Timestamp.UtcDateTime;
        var keys = new RedisKey[]
        {
            "aoai:usage:rid:" + usage.RequestId,
            UsageStream.Key,
            SpendKeys.Day(usage.ClientId, day),
            SpendKeys.Month(usage.ClientId, day),
        };

        var fields = usage.ToStreamFields();
        var args = new RedisValue[FixedArgs + fields.Length * 2];
        args[0] = options.DeduplicationSeconds;
        args[1] = options.StreamMaxLength;
        args[2] = costPicodollars;
        args[3] = 3 * 24 * 3600;   // a day's counter outlives its day, for late events and the usage API
        args[4] = 40 * 24 * 3600;  // a month's likewise
        for (var i = 0; i < fields.Length; i++)
        {
            args[FixedArgs + i * 2] = fields[i].Name;
            args[FixedArgs + i * 2 + 1] = fields[i].Value;
        }

        return (keys, args);
    }
}

/// <summary>Redis keys of the running spend budgets are checked against.</summary>
public static class SpendKeys
{
    /// <summary>Spend is counted in picodollars (1e-12 USD): integers, exact for any listed price.</summary>
    public const decimal PicodollarsPerDollar = 1_000_000_000_000m;

    public static string Day(string clientId, DateTime utc) =>
        string.Create(CultureInfo.InvariantCulture, $"aoai:spend:{clientId}:{utc:yyyy-MM-dd}");

    public static string Month(string clientId, DateTime utc) =>
        string.Create(CultureInfo.InvariantCulture, $"aoai:spend:{clientId}:{utc:yyyy-MM}");

    /// <summary>USD to picodollars, rounded up so a budget is never under-charged.</summary>
    public static long ToPicodollars(decimal usd) => (long)decimal.Ceiling(usd * PicodollarsPerDollar);

    public static decimal ToDollars(long picodollars) => picodollars / PicodollarsPerDollar;
}
