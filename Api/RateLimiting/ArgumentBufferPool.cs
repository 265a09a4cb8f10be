using System.Collections.Concurrent;
using AspireAoai.Api.Routing;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Free lists of <see cref="ArgumentBuffer"/>, one per shape of admission call (deployments in the pool, budget scopes),
/// so an admission allocates no key or value array. A buffer whose call timed out is never given back: the command
/// may still read it.
/// </summary>
internal sealed class ArgumentBufferPool
{
    /// <summary>
    /// Shapes per budget-scope count: a pool holds 0 to <see cref="UpstreamOptionsValidator.MaxDeploymentsPerPool"/>
    /// deployments (64, the width of the per-request set of tried deployments), so 65 sizes.
    /// </summary>
    internal const int DeploymentCounts = UpstreamOptionsValidator.MaxDeploymentsPerPool + 1;

    /// <summary>Budget scopes an admission reads: none, the client's, or the client's and its group's.</summary>
    internal const int ScopeCounts = 3;

    private readonly ConcurrentQueue<ArgumentBuffer>[] _free = new ConcurrentQueue<ArgumentBuffer>[ScopeCounts * DeploymentCounts];

    public ArgumentBufferPool()
    {
        for (var i = 0; i < _free.Length; i++)
        {
            _free[i] = new ConcurrentQueue<ArgumentBuffer>();
        }
    }

    /// <summary>The free list of buffers for <paramref name="deployments"/> deployments and <paramref name="scopes"/> budget scopes.</summary>
    public static int IndexOf(int deployments, int scopes) => (scopes * DeploymentCounts) + deployments;

    /// <summary>A buffer of the shape, reused when one is free.</summary>
    public ArgumentBuffer Rent(int deployments, int scopes)
        => _free[IndexOf(deployments, scopes)].TryDequeue(out var buffer) ? buffer : new ArgumentBuffer(deployments, scopes);

    /// <summary>Gives back a buffer whose call completed.</summary>
    public void Return(ArgumentBuffer buffer) => _free[buffer.Pool].Enqueue(buffer);
}
