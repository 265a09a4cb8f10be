using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Api.Responses;

/// <summary>The store in Redis: one string key <c>aoai:resp:{id}</c> holding <c>{deployment}\n{client}</c>, expiring with the retention.</summary>
internal sealed class RedisResponseAffinityStore(IConnectionMultiplexer redis, IOptions<ResponsesOptions> options) : IResponseAffinityStore
{
    private readonly TimeSpan _retention = options.Value.Retention;

    private static RedisKey Key(string responseId) => "aoai:resp:" + responseId;

    public async Task RememberAsync(string responseId, ResponseOwner owner, CancellationToken cancellationToken)
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(Key(responseId), owner.Deployment + "\n" + owner.ClientId, _retention).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new AffinityUnavailableException("The response affinity store is unavailable.", ex);
        }
    }

    public async Task<ResponseOwner?> FindAsync(string responseId, CancellationToken cancellationToken)
    {
        RedisValue value;
        try
        {
            value = await redis.GetDatabase().StringGetAsync(Key(responseId)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new AffinityUnavailableException("The response affinity store is unavailable.", ex);
        }

        if (value.IsNullOrEmpty)
        {
            return null;
        }

        var text = value.ToString();
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        return newline <= 0 ? null : new ResponseOwner(text[..newline], text[(newline + 1)..]);
    }

    public async Task ForgetAsync(string responseId, CancellationToken cancellationToken)
    {
        try
        {
            await redis.GetDatabase().KeyDeleteAsync(Key(responseId)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The entry expires with the retention; the upstream answers 404 for the deleted response meanwhile.
        }
    }
}
