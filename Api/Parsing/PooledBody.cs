using System.Buffers;

namespace AspireAoai.Api.Parsing;

/// <summary>A request body held in a buffer rented from the shared pool; return it with <see cref="Dispose"/>.</summary>
public sealed class PooledBody : IDisposable
{
    private byte[]? _buffer;

    internal PooledBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => Memory.Span;

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
