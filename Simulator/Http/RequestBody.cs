using System.Buffers;
using System.IO.Pipelines;

namespace AspireAoai.Simulator.Http;

/// <summary>Reads a whole request body into one rented array; the JSON readers want contiguous bytes.</summary>
internal static class RequestBody
{
    public static async ValueTask<PooledBufferWriter> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var hint = request.ContentLength is > 0 and < 1 << 20 ? (int)request.ContentLength.Value : 4096;
        var buffer = new PooledBufferWriter(hint);
        try
        {
            var reader = request.BodyReader;
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                foreach (var segment in result.Buffer)
                {
                    segment.Span.CopyTo(buffer.GetSpan(segment.Length));
                    buffer.Advance(segment.Length);
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }

            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }
}
