using StackExchange.Redis;

namespace AspireAoai.Bench.NaiveProxy;

/// <summary>
/// What a naive gateway adds per request, both awaited on the request path: a rate-limit check as one Lua
/// script call by SHA (EVALSHA: a fixed one-minute window counter) and a usage event appended to a capped
/// stream (XADD MAXLEN ~).
/// </summary>
internal sealed class RedisBookkeeping
{
    private const string Script = """
        local count = redis.call('INCRBY', KEYS[1], ARGV[1])
        if count == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return count
        """;

    private static readonly RedisValue[] ChargeArgs = [1, 60_000];
    private static readonly RedisKey UsageStream = "bench:naive:usage";

    private readonly IDatabase _database;
    private readonly byte[] _sha;

    private RedisBookkeeping(IDatabase database, byte[] sha)
    {
        _database = database;
        _sha = sha;
    }

    public static async Task<RedisBookkeeping> ConnectAsync(string configuration)
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration);
        var server = multiplexer.GetServers()[0];
        var sha = await server.ScriptLoadAsync(Script);
        return new RedisBookkeeping(multiplexer.GetDatabase(), sha);
    }

    public Task AdmitAsync()
    {
        var window = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60;
        RedisKey[] keys = [$"bench:naive:rl:client:{window}"];
        return _database.ScriptEvaluateAsync(_sha, keys, ChargeArgs);
    }

    public Task RecordAsync(int status)
    {
        NameValueEntry[] fields =
        [
            new("client", "bench"),
            new("model", "gpt-4o-mini"),
            new("status", status),
            new("ts", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
        ];
        return _database.StreamAddAsync(UsageStream, fields, maxLength: 10_000, useApproximateMaxLength: true);
    }
}
