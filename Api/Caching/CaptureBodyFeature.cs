using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace AspireAoai.Api.Caching;

/// <summary>
/// Replaces the response body feature for a cacheable MISS. Both ways of writing (the <see cref="Stream"/> and the
/// <see cref="PipeWriter"/>) pass straight through to the server's own feature, so nothing is buffered or lost,
/// and every byte written is also copied into the <see cref="ResponseCapture"/>. Setting
/// <c>HttpResponse.Body</c> instead would put an unflushed pipe in front of the server for writers that use
/// <c>BodyWriter</c>.
/// </summary>
internal sealed class CaptureBodyFeature : IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private readonly ResponseCapture _capture;

    public CaptureBodyFeature(IHttpResponseBodyFeature inner, ResponseCapture capture)
    {
        _inner = inner;
        _capture = capture;
        Stream = new CaptureStream(inner.Stream, capture);
        Writer = new CapturePipeWriter(inner.Writer, capture);
    }

    public Stream Stream { get; }

    public PipeWriter Writer { get; }

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        // Not a gateway answer; never stored.
        _capture.Abandon();
        return _inner.SendFileAsync(path, offset, count, cancellationToken);
    }

    public Task CompleteAsync() => _inner.CompleteAsync();

    private sealed class CapturePipeWriter(PipeWriter inner, ResponseCapture capture) : PipeWriter
    {
        private Memory<byte> _last;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _last = inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => (_last = inner.GetMemory(sizeHint)).Span;

        public override void Advance(int bytes)
        {
            capture.Append(_last.Span[..bytes]);
            _last = default;
            inner.Advance(bytes);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;
    }
}
