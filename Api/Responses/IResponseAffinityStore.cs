using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Api.Responses;

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
