using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Parsing;

/// <summary>
/// Reads the request body once into a pooled buffer, enforcing the JSON content type, the size limit and the read
/// deadline. The body is read whole because it is sent again on failover; responses, not requests, are streamed.
/// The buffers grow with the bytes that arrived, never with the declared Content-Length: a client that declares
/// 16 MiB and sends a trickle holds 16 KB chunks of the trickle.
/// </summary>
public sealed class RequestBodyReader
{
    /// <summary>
    /// The first buffer: a body up to this size (a chat request, usually) is read into one buffer of its own size;
    /// a larger one continues in chunks of <see cref="ChunkSize"/>, joined into one buffer once complete.
    /// </summary>
    internal const int InitialBufferSize = 16 * 1024;

    /// <summary>The chunks a larger body is held in while it arrives: well below the 85 KB large-object threshold.</summary>
    internal const int ChunkSize = 16 * 1024;

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
        var current = ArrayPool<byte>.Shared.Rent((int)Math.Min(cap, InitialBufferSize));
        var filled = 0; // bytes in current
        List<byte[]>? full = null; // earlier chunks, each filled to its length
        var length = 0;
        var startedMs = Environment.TickCount64;
        CancellationTokenSource? deadline = null;
        try
        {
            while (length < cap)
            {
                if (filled == current.Length)
                {
                    // A body larger than the first buffer is held in chunks below the large-object threshold while it
                    // arrives (a slow body holds what it sent, with no doubling or copies), joined once it is complete.
                    (full ??= []).Add(current);
                    current = ArrayPool<byte>.Shared.Rent((int)Math.Min(cap - length, ChunkSize));
                    filled = 0;
                }

                var pending = request.Body.ReadAsync(current.AsMemory(filled), deadline?.Token ?? cancellationToken);
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
                            ReturnAll(current, full);
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

                filled += read;
                length += read;
            }

            if (length > _maxBytes)
            {
                ReturnAll(current, full);
                return (BodyReadStatus.TooLarge, null);
            }
        }
        catch (BadHttpRequestException ex)
        {
            ReturnAll(current, full);
            return (ex.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => BodyReadStatus.TooLarge,
                StatusCodes.Status408RequestTimeout => BodyReadStatus.TimedOut,
                _ => BodyReadStatus.Malformed,
            }, null);
        }
        catch (OperationCanceledException) when (deadline is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
        {
            ReturnAll(current, full);
            return (BodyReadStatus.TimedOut, null);
        }
        catch
        {
            ReturnAll(current, full);
            throw;
        }
        finally
        {
            deadline?.Dispose();
        }

        if (length == 0)
        {
            ReturnAll(current, full);
            return (BodyReadStatus.Empty, null);
        }

        return (BodyReadStatus.Ok, full is null ? new PooledBody(current, length) : Join(full, current, filled, length));
    }

    /// <summary>One buffer holding the chunks' bytes in order; the chunks go back to the pool.</summary>
    private static PooledBody Join(List<byte[]> full, byte[] last, int lastFilled, int length)
    {
        var whole = ArrayPool<byte>.Shared.Rent(length);
        var at = 0;
        foreach (var chunk in full)
        {
            chunk.CopyTo(whole, at);
            at += chunk.Length;
            ArrayPool<byte>.Shared.Return(chunk);
        }

        last.AsSpan(0, lastFilled).CopyTo(whole.AsSpan(at));
        ArrayPool<byte>.Shared.Return(last);
        return new PooledBody(whole, length);
    }

    private static void ReturnAll(byte[] current, List<byte[]>? full)
    {
        ArrayPool<byte>.Shared.Return(current);
        if (full is not null)
        {
            foreach (var chunk in full)
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
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
