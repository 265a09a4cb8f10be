using AspireAoai.Api.Budgets;
using AspireAoai.Api.Routing;
using StackExchange.Redis;

namespace AspireAoai.Api.RateLimiting;

/// <summary>The capacity of one upstream deployment and the last window totals Redis reported for it.</summary>
public sealed class DeploymentLimits
{
    private long _requests;
    private long _tokens;
    private long _readAtMs;

    internal DeploymentLimits(string name, int tpm, int rpm, double headroom)
    {
        Name = name;
        Key = new RedisKey("aoai:rl:dep:" + name);
        Tpm = tpm;
        Rpm = rpm;
        UsableTpm = tpm == 0 ? 0 : Math.Max(1, (int)(tpm * headroom));
        UsableRpm = rpm == 0 ? 0 : Math.Max(1, (int)(rpm * headroom));
    }

    public string Name { get; }

    /// <summary><c>aoai:rl:dep:{name}</c>.</summary>
    public RedisKey Key { get; }

    public int Tpm { get; }

    public int Rpm { get; }

    /// <summary>Capacity after headroom: what the gateway lets itself use.</summary>
    public int UsableTpm { get; }

    public int UsableRpm { get; }

    public bool IsLimited => Tpm > 0 || Rpm > 0;

    /// <summary>Requests in the deployment's window at the last read (plus this replica's charges since).</summary>
    public long Requests => Volatile.Read(ref _requests);

    /// <summary>Tokens in the deployment's window at the last read (plus this replica's charges since).</summary>
    public long Tokens => Volatile.Read(ref _tokens);

    /// <summary>
    /// True when a request of <paramref name="tokens"/> fits the last known window (stale after a minute), filled to at
    /// most <paramref name="fill"/> of the usable capacity.
    /// </summary>
    public bool HasRoom(long tokens, long nowMs, double fill = 1.0)
    {
        if (nowMs - Volatile.Read(ref _readAtMs) > 60_000)
        {
            return fill >= 1.0;
        }

        return (UsableRpm == 0 || Requests + 1 <= UsableRpm * fill) && (UsableTpm == 0 || Tokens + tokens <= UsableTpm * fill);
    }

    internal void Observe(long requests, long tokens, long atMs)
    {
        Volatile.Write(ref _requests, requests);
        Volatile.Write(ref _tokens, tokens);
        Volatile.Write(ref _readAtMs, atMs);
    }

    internal void AddLocal(long tokens)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _tokens, tokens);
    }
}
