using System.Buffers;
using System.Text;
using AspireAoai.Api.Telemetry;
using Microsoft.AspNetCore.Connections;

namespace AspireAoai.Api.Hosting;

/// <summary>
/// Holds the client connections of a replica to its cap (<see cref="ConnectionCap"/>). A connection above it is answered
/// rather than reset: a plaintext HTTP/1.x request gets a 503 <c>gateway_overloaded</c> with <c>retry-after: 1</c> in the
/// OpenAI error shape and the connection closes; anything else (TLS, HTTP/2 prior knowledge, a silent client) is closed.
/// At most <see cref="MaxRefusing"/> refusals (a quarter of the cap, when that is fewer) are in progress at once, each for
/// at most <see cref="RefusalReadTimeout"/>, so refusing cannot itself use up the descriptors the cap protects: past that,
/// connections close at once.
/// </summary>
internal sealed partial class ConnectionGate(int cap, GatewayTelemetry telemetry, ILogger<ConnectionGate> logger, TimeProvider time)
{
    /// <summary>The <c>error.type</c> of <c>aoai.gateway.rejections</c> for a connection above the cap.</summary>
    internal const string RejectionType = "connection_cap";

    internal const int MaxRefusing = ConnectionCap.Reserved / 4;
    internal static readonly TimeSpan RefusalReadTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(10);

    private static readonly byte[] Refusal = BuildRefusal();

    private readonly int _maxRefusing = Math.Max(1, Math.Min(MaxRefusing, cap / 4));
    private int _open;
    private int _refusing;
    private long _refused;
    private long _lastLogTicks = long.MinValue;

    /// <summary>Connections above the cap since the start (answered or closed).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public int Cap => cap;

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (Interlocked.Increment(ref _open) <= cap)
        {
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _open);
            }

            return;
        }

        Interlocked.Decrement(ref _open);
        var refused = Interlocked.Increment(ref _refused);
        telemetry.Rejections.Add(1, new KeyValuePair<string, object?>("error.type", RejectionType));
        LogRefusal(refused);
        if (Interlocked.Increment(ref _refusing) <= _maxRefusing)
        {
            try
            {
                await RefuseAsync(connection).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _refusing);
            }
        }
        else
        {
            Interlocked.Decrement(ref _refusing);
        }
    }

    /// <summary>
    /// Answers a plaintext HTTP/1.x request, then reads until the client closes (it does on <c>connection: close</c>), within
    /// the timeout: closing with its request body unread would reset the connection, and a reset discards the answer.
    /// </summary>
    private static async Task RefuseAsync(ConnectionContext connection)
    {
        using var timeout = new CancellationTokenSource(RefusalReadTimeout);
        var input = connection.Transport.Input;
        try
        {
            var read = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            var plainHttp1 = LooksLikeHttp1(read.Buffer);
            input.AdvanceTo(read.Buffer.End);
            if (!plainHttp1)
            {
                return;
            }

            await connection.Transport.Output.WriteAsync(Refusal, timeout.Token).ConfigureAwait(false);
            await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
            while (!read.IsCompleted)
            {
                read = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                input.AdvanceTo(read.Buffer.End);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException)
        {
            // The client was silent or went away: closing is the whole answer.
        }
    }

    /// <summary>A request line's method (capitals, then a space after GET or PUT); not HTTP/2's preface (<c>PRI * HTTP/2.0</c>) nor TLS (0x16).</summary>
    internal static bool LooksLikeHttp1(ReadOnlySequence<byte> buffer)
    {
        Span<byte> head = stackalloc byte[4];
        if (buffer.Length < head.Length)
        {
            return false;
        }

        buffer.Slice(0, head.Length).CopyTo(head);
        foreach (var b in head)
        {
            if (!char.IsAsciiLetterUpper((char)b) && b != (byte)' ')
            {
                return false;
            }
        }

        return head[0] != (byte)' ' && !head.SequenceEqual("PRI "u8);
    }

    private void LogRefusal(long refused)
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _lastLogTicks);
        if ((last == long.MinValue || time.GetElapsedTime(last, now) >= LogEvery)
            && Interlocked.CompareExchange(ref _lastLogTicks, now, last) == last)
        {
            Log.ConnectionsRefused(logger, cap, refused);
        }
    }

    private static byte[] BuildRefusal()
    {
        const string body = """{"error":{"message":"This gateway replica holds as many connections as its open-file limit allows; please retry after 1000 ms.","type":"server_error","code":"gateway_overloaded","param":null}}""";
        return Encoding.ASCII.GetBytes(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nretry-after-ms: 1000\r\n"
            + $"connection: close\r\ncontent-length: {body.Length}\r\n\r\n{body}");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Warning,
            Message = "Client connections above this replica's cap of {Cap} are refused with 503 gateway_overloaded ({Refused} since the start): raise the open-file limit or add replicas")]
        public static partial void ConnectionsRefused(ILogger logger, int cap, long refused);
    }
}
