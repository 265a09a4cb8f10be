using System.Text;
using AspireAoai.Api.Parsing;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Micro;

/// <summary>
/// <see cref="RequestBodyReader.ReadAsync"/> over an in-memory body: the bench/run.sh chat body with its
/// Content-Length (read whole by the first read, as when it arrives with the headers), and a 256 KB body that
/// arrives 16 KB per read with and without a Content-Length (the buffer grows as the data comes).
/// </summary>
[MemoryDiagnoser]
public class BodyReaderBenchmarks
{
    private readonly byte[] _small = Encoding.UTF8.GetBytes(
        """{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a concise assistant for an engineering team."},{"role":"user","content":"In one sentence, why does every production service want a gateway in front of its model API?"}],"temperature":0.7,"max_tokens":100}""");

    private readonly byte[] _large = new byte[256 * 1024];
    private readonly RequestBodyReader _reader = new(Options.Create(new RequestLimitsOptions()));
    private readonly LegacyBodyReader _legacy = new(Options.Create(new RequestLimitsOptions()));
    private DefaultHttpContext _http = null!;
    private ChunkedStream _stream = null!;

    [GlobalSetup]
    public void Setup()
    {
        _large.AsSpan().Fill((byte)' ');
        _http = new DefaultHttpContext();
        _http.Request.ContentType = "application/json";
        _stream = new ChunkedStream();
        _http.Request.Body = _stream;
    }

    [Benchmark(Description = "RequestBodyReader.ReadAsync (chat body, one read)")]
    public Task<int> Small() => ReadAsync(_small, _small.Length, _small.Length);

    [Benchmark(Description = "RequestBodyReader.ReadAsync (256 KB, 16 KB reads, Content-Length)")]
    public Task<int> LargeDeclared() => ReadAsync(_large, 16 * 1024, _large.Length);

    [Benchmark(Description = "RequestBodyReader.ReadAsync (256 KB, 16 KB reads, chunked)")]
    public Task<int> LargeChunked() => ReadAsync(_large, 16 * 1024, null);

    [Benchmark(Description = "before (c800d9f): chat body, one read")]
    public Task<int> SmallBefore() => ReadAsync(_small, _small.Length, _small.Length, legacy: true);

    [Benchmark(Description = "before (c800d9f): 256 KB, 16 KB reads, Content-Length")]
    public Task<int> LargeDeclaredBefore() => ReadAsync(_large, 16 * 1024, _large.Length, legacy: true);

    [Benchmark(Description = "before (c800d9f): 256 KB, 16 KB reads, chunked")]
    public Task<int> LargeChunkedBefore() => ReadAsync(_large, 16 * 1024, null, legacy: true);

    private async Task<int> ReadAsync(byte[] body, int perRead, long? declared, bool legacy = false)
    {
        _stream.Reset(body, perRead);
        _http.Request.ContentLength = declared;
        var (_, pooled) = legacy
            ? await _legacy.ReadAsync(_http.Request, CancellationToken.None).ConfigureAwait(false)
            : await _reader.ReadAsync(_http.Request, CancellationToken.None).ConfigureAwait(false);
        var length = pooled!.Length;
        pooled.Dispose();
        return length;
    }

    /// <summary>A body that returns at most a given number of bytes per read, synchronously.</summary>
    private sealed class ChunkedStream : Stream
    {
        private byte[] _data = [];
        private int _position;
        private int _perRead;

        public void Reset(byte[] data, int perRead)
        {
            _data = data;
            _position = 0;
            _perRead = perRead;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = Math.Min(Math.Min(buffer.Length, _perRead), _data.Length - _position);
            _data.AsSpan(_position, n).CopyTo(buffer.Span);
            _position += n;
            return ValueTask.FromResult(n);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).Result;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
