using System.Buffers;
using AspireAoai.Api.Parsing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Micro;

/// <summary>
/// Reads the request body once into a pooled buffer, enforcing the JSON content type and the size limit.
/// The body is read whole because it is sent again on failover; responses, not requests, are streamed.
/// </summary>
/// <remarks>The reader as it was at c800d9f (one buffer rented at the declared length), kept to compare with.</remarks>
public sealed class LegacyBodyReader
{
    private const int InitialBufferSize = 16 * 1024;
    private readonly long _maxBytes;

    public LegacyBodyReader(IOptions<RequestLimitsOptions> options) => _maxBytes = options.Value.MaxRequestBodyBytes;

    public long MaxBytes => _maxBytes;

    public async ValueTask<(BodyReadStatus Status, PooledBody? Body)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
        {
            return (BodyReadStatus.UnsupportedMediaType, null);
        }

        var declared = request.ContentLength;
        if (declared > _maxBytes)
        {
            return (BodyReadStatus.TooLarge, null);
        }

        if (declared == 0)
        {
            return (BodyReadStatus.Empty, null);
        }

        // Kestrel's own limit (30 MB by default) must not cut in before ours, in either direction.
        var sizeFeature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = _maxBytes;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 ? (int)declared.Value : InitialBufferSize);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= _maxBytes + 1)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (BodyReadStatus.TooLarge, null);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, _maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > _maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (BodyReadStatus.TooLarge, null);
                }
            }
        }
        catch (BadHttpRequestException ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? BodyReadStatus.TooLarge : BodyReadStatus.Malformed, null);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        if (length == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (BodyReadStatus.Empty, null);
        }

        return (BodyReadStatus.Ok, new PooledBody(buffer, length));
    }

    private static bool IsJson(string? contentType) => contentType is not null && contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);
}
