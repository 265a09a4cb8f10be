using System.Buffers;
using System.Globalization;
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

    /// <summary>The body came slower than <c>Gateway:MinRequestBodyBytesPerSecond</c> or took longer than <c>Gateway:RequestBodyTimeout</c>.</summary>
    TimedOut,
}

/// <summary>
/// Reads the request body once into a pooled buffer, enforcing the JSON content type, the size limit and the read
/// deadline. The body is read whole because it is sent again on failover; responses, not requests, are streamed.
/// The buffer grows with the bytes that arrived, never with the declared Content-Length: a client that declares
/// 16 MiB and sends a trickle holds a buffer of the trickle.
/// </summary>
public sealed class RequestBodyReader
{
    /// <summary>
    /// The first buffer: a body up to this size (a chat request, usually) is read into one buffer of its own size;
    /// a larger one starts here and doubles as its bytes arrive.
    /// </summary>
    internal const int InitialBufferSize = 16 * 1024;

    private readonly long _maxBytes;
    private readonly TimeSpan _timeout;

    public RequestBodyReader(IOptions<RequestLimitsOptions> options)
    {
        _maxBytes = options.Value.MaxRequestBodyBytes;
        _timeout = options.Value.RequestBodyTimeout;
        TimedOutMessage = string.Create(CultureInfo.InvariantCulture,
            $"The request body arrived too slowly: the gateway reads a body at no less than {options.Value.MinRequestBodyBytesPerSecond:0} bytes per second (after {options.Value.RequestBodyGracePeriod.TotalSeconds:0.#} s) and within {_timeout.TotalSeconds:0.#} s. Send the whole body at once.");
    }

    /// <summary>The 408 message, naming the limits.</summary>
    public string TimedOutMessage { get; }

    public long MaxBytes => _maxBytes;

    /// <summary>The longest a body may take to arrive (<c>Gateway:RequestBodyTimeout</c>).</summary>
    public TimeSpan Timeout => _timeout;

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

        // Never more than the limit plus one byte (to see that a chunked body is too large), nor than declared.
        var cap = declared is > 0 ? declared.Value : _maxBytes + 1;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(cap, InitialBufferSize));
        var length = 0;
        var startedMs = Environment.TickCount64;
        CancellationTokenSource? deadline = null;
        try
        {
            while (length < cap)
            {
                if (length == buffer.Length)
                {
                    buffer = Grow(buffer, length, cap);
                }

                var pending = request.Body.ReadAsync(buffer.AsMemory(length), deadline?.Token ?? cancellationToken);
                int read;
                if (pending.IsCompletedSuccessfully)
                {
                    read = pending.Result;
                }
                else
                {
                    // The body did not come with the headers: from here on its reads have a deadline. The first wait is
                    // bounded by Kestrel's minimum data rate (Gateway:MinRequestBodyBytesPerSecond after its grace period).
                    read = await pending.ConfigureAwait(false);
                    if (deadline is null)
                    {
                        var left = _timeout - TimeSpan.FromMilliseconds(Environment.TickCount64 - startedMs);
                        if (left <= TimeSpan.Zero)
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                            return (BodyReadStatus.TimedOut, null);
                        }

                        deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                        deadline.CancelAfter(left);
                    }
                }

                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            if (length > _maxBytes)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return (BodyReadStatus.TooLarge, null);
            }
        }
        catch (BadHttpRequestException ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (ex.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => BodyReadStatus.TooLarge,
                StatusCodes.Status408RequestTimeout => BodyReadStatus.TimedOut,
                _ => BodyReadStatus.Malformed,
            }, null);
        }
        catch (OperationCanceledException) when (deadline is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (BodyReadStatus.TimedOut, null);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        finally
        {
            deadline?.Dispose();
        }

        if (length == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (BodyReadStatus.Empty, null);
        }

        return (BodyReadStatus.Ok, new PooledBody(buffer, length));
    }

    /// <summary>A buffer twice as large (at most <paramref name="cap"/>) holding the first <paramref name="length"/> bytes.</summary>
    private static byte[] Grow(byte[] buffer, int length, long cap)
    {
        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, cap));
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
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
