using StackExchange.Redis;

namespace AspireAoai.Api.RateLimiting;

/// <summary>Keys and values of one admission call for a pool of a given size, reused between calls.</summary>
/// <param name="deployments">Deployments of the pool.</param>
/// <param name="scopes">Budget scopes: 0 none, 1 the client's, 2 the client's and its group's (3 keys each).</param>
internal sealed class ArgumentBuffer(int deployments, int scopes)
{
    /// <summary>Index of the free list this buffer goes back to.</summary>
    public int Pool { get; } = ArgumentBufferPool.IndexOf(deployments, scopes);

    public RedisKey[] Keys { get; } = new RedisKey[ScriptArguments.KeyIndex.FirstDeployment + deployments + (ScriptArguments.KeyIndex.PerBudgetScope * scopes)];

    public RedisValue[] Values { get; } = new RedisValue[ScriptArguments.Argv.FirstDeployment + (ScriptArguments.Argv.PerDeployment * deployments)];
}
