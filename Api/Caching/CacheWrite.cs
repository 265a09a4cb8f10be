using System.Buffers;

namespace AspireAoai.Api.Caching;

/// <summary>A captured answer waiting to be checked and stored; owns a pooled buffer.</summary>
internal sealed class CacheWrite(CacheRequest request, byte[] buffer, int length, bool isStream, DateTimeOffset completedAt)
{
    public CacheRequest Request { get; } = request;

    public ReadOnlySpan<byte> Body => buffer.AsSpan(0, length);

    public bool IsStream { get; } = isStream;

    public DateTimeOffset CompletedAt { get; } = completedAt;

    public void Release() => ArrayPool<byte>.Shared.Return(buffer);
}
