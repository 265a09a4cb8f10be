using System.Buffers;

namespace AspireAoai.Api.Caching;

/// <summary>
/// The copy of a response body being relayed, in a pooled buffer, up to a limit past which the copy is abandoned
/// (the answer is then too large to store). Copying is its only cost on the response path.
/// </summary>
internal sealed class ResponseCapture
{
    private readonly int _limit;
    private byte[]? _buffer;
    private int _length;

    public ResponseCapture(int limit) => _limit = limit;

    /// <summary>True when the response outgrew the limit.</summary>
    public bool Overflowed { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (Overflowed || data.IsEmpty)
        {
            return;
        }

        var needed = _length + data.Length;
        if (needed > _limit)
        {
            Abandon();
            return;
        }

        if (_buffer is null || needed > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_limit, Math.Max(needed, (_buffer?.Length ?? 4096) * 2)));
            if (_buffer is not null)
            {
                _buffer.AsSpan(0, _length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = larger;
        }

        data.CopyTo(_buffer.AsSpan(_length));
        _length = needed;
    }

    /// <summary>Stops copying and frees the copy: this response will not be stored.</summary>
    public void Abandon()
    {
        Overflowed = true;
        Release();
    }

    /// <summary>Takes the captured bytes (a pooled array and its length); the caller returns the array to the pool.</summary>
    public (byte[]? Buffer, int Length) Detach()
    {
        var buffer = _buffer;
        _buffer = null;
        return (buffer, _length);
    }

    /// <summary>Returns the buffer to the pool if nobody took it.</summary>
    public void Release()
    {
        var buffer = _buffer;
        _buffer = null;
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
