using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Parsing;

/// <summary>Outcome of reading a request body.</summary>
public enum BodyReadStatus
{
    Ok,
    UnsupportedMediaType,
    TooLarge,
    Empty,
    Malformed,
}

/// <summary>
/// Reads the request body once into a pooled buffer, enforcing the JSON content type and the size limit.
/// The body is read whole because it is sent again on failover; responses, not requests, are streamed.
/// </summary>
public sealed class RequestBodyReader
{
    private const int InitialBufferSize = 16 * 1024;
    private readonly long _maxBytes;

    public RequestBodyReader(IOptions<RequestLimitsOptions> options) => _maxBytes = options.Value.MaxRequestBodyBytes;

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

    /// <summary>True for <c>application/json</c>, parameters (charset) allowed.</summary>
    internal static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }

        var span = contentType.AsSpan().TrimStart();
        const string json = "application/json";
        if (!span.StartsWith(json, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = span[json.Length..].TrimStart();
        return rest.IsEmpty || rest[0] == ';';
    }
}
