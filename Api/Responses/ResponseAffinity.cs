using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Api.Responses;

/// <summary>Who made a stored response: the deployment (its Azure resource keeps it) and the client that owns it.</summary>
public readonly record struct ResponseOwner(string Deployment, string ClientId);

/// <summary>The affinity store could not be read or written (Redis down): the follow-up is answered 503, never guessed.</summary>
public sealed class AffinityUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Remembers <c>response id -> deployment and owning client</c>, so every follow-up on a response goes to the Azure
/// resource that stored it and only for the client that made it. Shared by every replica (Redis).
/// </summary>
public interface IResponseAffinityStore
{
    /// <summary>Records the owner of <paramref name="responseId"/> for <see cref="ResponsesOptions.Retention"/>.</summary>
    Task RememberAsync(string responseId, ResponseOwner owner, CancellationToken cancellationToken);

    /// <summary>The owner of <paramref name="responseId"/>, or null when unknown (never made here, or expired).</summary>
    Task<ResponseOwner?> FindAsync(string responseId, CancellationToken cancellationToken);

    /// <summary>Forgets <paramref name="responseId"/> (after the upstream deleted it).</summary>
    Task ForgetAsync(string responseId, CancellationToken cancellationToken);
}

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

/// <summary>
/// The store of a gateway run without Redis (one replica): in memory, entries expiring with the retention. With
/// several replicas configure Redis, or a follow-up reaching another replica is answered 404.
/// </summary>
internal sealed class MemoryResponseAffinityStore(IOptions<ResponsesOptions> options, TimeProvider time) : IResponseAffinityStore
{
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<string, (ResponseOwner Owner, DateTimeOffset Expires)> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _retention = options.Value.Retention;

    public Task RememberAsync(string responseId, ResponseOwner owner, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_entries.Count >= MaxEntries)
        {
            foreach (var entry in _entries)
            {
                if (entry.Value.Expires <= now)
                {
                    _entries.TryRemove(entry.Key, out _);
                }
            }
        }

        _entries[responseId] = (owner, now + _retention);
        return Task.CompletedTask;
    }

    public Task<ResponseOwner?> FindAsync(string responseId, CancellationToken cancellationToken)
        => Task.FromResult<ResponseOwner?>(_entries.TryGetValue(responseId, out var entry) && entry.Expires > time.GetUtcNow() ? entry.Owner : null);

    public Task ForgetAsync(string responseId, CancellationToken cancellationToken)
    {
        _entries.TryRemove(responseId, out _);
        return Task.CompletedTask;
    }
}
