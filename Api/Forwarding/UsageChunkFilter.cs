using AspireAoai.Api.Answers;

namespace AspireAoai.Api.Forwarding;

/// <summary>
/// Relays a stream whose usage chunk the gateway asked for on the client's behalf, without that chunk: each SSE
/// event is sent as soon as it is complete (an upstream flushes whole events, so this adds no delay), except the
/// event the observer recognises as the usage chunk. Partial events wait at the start of the buffer for their
/// end; one that outgrows <see cref="HoldLimit"/> cannot be the usage chunk and is passed through as it comes.
/// </summary>
internal static class UsageChunkFilter
{
    /// <summary>
    /// An SSE event is held back until it is complete only while it could be the usage chunk (a few hundred bytes);
    /// a larger event is relayed as it arrives.
    /// </summary>
    private const int HoldLimit = 8 * 1024;

    /// <summary>
    /// Relays <paramref name="body"/> to the client's response, which has started, from the <paramref name="first"/> bytes
    /// already read into <paramref name="buffer"/>, feeding every byte to <paramref name="observer"/>.
    /// </summary>
    public static async Task RelayAsync(HttpResponse clientResponse, Stream body, byte[] buffer, int first, ResponseObserver observer,
        CancellationToken aborted)
    {
        var scanner = default(SseEventScanner);
        var pending = 0;
        var passThrough = false;
        var read = first;
        while (read > 0)
        {
            var length = pending + read;
            var writeFrom = 0;
            var eventStart = 0;
            var fed = pending;
            var position = pending; // the held bytes were scanned (and observed) in the previous round
            while (true)
            {
                var end = scanner.NextEventEnd(buffer.AsSpan(position, length - position));
                if (end < 0)
                {
                    break;
                }

                var eventEnd = position + end;
                observer.FeedSse(buffer.AsSpan(fed, eventEnd - fed));
                fed = eventEnd;
                if (observer.TakeUsageChunk() && !passThrough)
                {
                    if (eventStart > writeFrom)
                    {
                        await clientResponse.Body.WriteAsync(buffer.AsMemory(writeFrom, eventStart - writeFrom), aborted).ConfigureAwait(false);
                    }

                    writeFrom = eventEnd;
                }

                passThrough = false;
                eventStart = position = eventEnd;
            }

            if (fed < length)
            {
                observer.FeedSse(buffer.AsSpan(fed, length - fed));
            }

            var tail = length - eventStart;
            if (passThrough || tail > HoldLimit)
            {
                await clientResponse.Body.WriteAsync(buffer.AsMemory(writeFrom, length - writeFrom), aborted).ConfigureAwait(false);
                passThrough = tail > 0;
                pending = 0;
            }
            else
            {
                if (eventStart > writeFrom)
                {
                    await clientResponse.Body.WriteAsync(buffer.AsMemory(writeFrom, eventStart - writeFrom), aborted).ConfigureAwait(false);
                }

                buffer.AsSpan(eventStart, tail).CopyTo(buffer);
                pending = tail;
            }

            read = await body.ReadAsync(buffer.AsMemory(pending), aborted).ConfigureAwait(false);
        }

        if (pending > 0)
        {
            // An unterminated last event: not an event by the SSE rules, relayed as it was.
            await clientResponse.Body.WriteAsync(buffer.AsMemory(0, pending), aborted).ConfigureAwait(false);
        }
    }
}
