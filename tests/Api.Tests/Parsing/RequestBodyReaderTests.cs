using System.Text;
using AspireAoai.Api.Parsing;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Tests.Parsing;

/// <summary>The body buffer grows with the bytes that arrived, never with what the client declared.</summary>
public sealed class RequestBodyReaderTests
{
    [Fact]
    public async Task ABodyDeclaredAt16MiB_IsHeldInSmallChunksOfWhatArrived_NeverInAReservationOfTheDeclaredLength()
    {
        var body = Encoding.UTF8.GetBytes("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 100_000) + "\"}]}");
        var stream = new TrickleStream(body, bytesPerRead: 1000);
        var http = new DefaultHttpContext();
        http.Request.ContentType = "application/json";
        http.Request.Body = stream;
        http.Request.ContentLength = 16 * 1024 * 1024; // declared; only the real bytes follow

        var reader = new RequestBodyReader(Options.Create(new RequestLimitsOptions()));
        var (status, pooled) = await reader.ReadAsync(http.Request, CancellationToken.None);

        // The stream ends early, as a client that lied about its length and hung up would; what matters is the buffers offered.
        Assert.Equal(BodyReadStatus.Ok, status);
        using (pooled)
        {
            Assert.Equal(body, pooled!.Memory.ToArray()); // the chunks joined in order
        }

        // While the body arrives it is held in chunks below the large-object threshold: no read is offered more than one.
        Assert.All(stream.Offers, offered => Assert.InRange(offered, 1, Math.Max(RequestBodyReader.InitialBufferSize, RequestBodyReader.ChunkSize)));
        Assert.True(RequestBodyReader.ChunkSize < 85_000);
    }

    [Fact]
    public async Task ASmallBodyWithItsLength_IsReadInOneReadIntoABufferOfAboutItsSize()
    {
        var body = Encoding.UTF8.GetBytes("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        var stream = new TrickleStream(body, bytesPerRead: int.MaxValue);
        var http = new DefaultHttpContext();
        http.Request.ContentType = "application/json";
        http.Request.Body = stream;
        http.Request.ContentLength = body.Length;

        var (status, pooled) = await new RequestBodyReader(Options.Create(new RequestLimitsOptions())).ReadAsync(http.Request, CancellationToken.None);
        using (pooled)
        {
            Assert.Equal(BodyReadStatus.Ok, status);
            Assert.Equal(body, pooled!.Memory.ToArray());
        }

        // The declared length is complete after one read: no second read to find the end.
        Assert.Single(stream.Offers);
        Assert.InRange(stream.Offers[0], body.Length, 2 * body.Length);
    }

    /// <summary>Returns at most a given number of bytes per read and records the buffer space each read was offered.</summary>
    private sealed class TrickleStream(byte[] data, int bytesPerRead) : Stream
    {
        private int _position;

        public List<int> Offers { get; } = [];

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Offers.Add(buffer.Length);
            var n = Math.Min(Math.Min(buffer.Length, bytesPerRead), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer.Span);
            _position += n;
            return ValueTask.FromResult(n);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().Result;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
