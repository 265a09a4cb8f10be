using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace AspireAoai.Bench.Chaos;

/// <summary>
/// Sends the hostile cases over raw sockets (no client library to tidy them up), a few at a time, slow bodies all
/// at once beside the rest, and records each answer: status, whether a gateway error had the OpenAI error shape,
/// the request id and, for an answer that got through, the usage it carried.
/// </summary>
internal static class HostileRunner
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan SlowHeadersTimeout = TimeSpan.FromSeconds(45);

    public static async Task RunAsync(List<HostileCase> cases, Uri[] gateways, int concurrency, List<RequestRecord> sink)
    {
        var slow = cases.Where(c => c.TrickleBytesPerSecond > 0).ToList();
        var fast = new Queue<HostileCase>(cases.Where(c => c.TrickleBytesPerSecond == 0));
        var index = 0;
        var slowTasks = slow.Select((c, i) => SendAsync(c, gateways[i % gateways.Length], sink)).ToList();
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (true)
            {
                HostileCase next;
                lock (fast)
                {
                    if (fast.Count == 0) return;
                    next = fast.Dequeue();
                }

                await SendAsync(next, gateways[Interlocked.Increment(ref index) % gateways.Length], sink);
            }
        }).ToList();
        await Task.WhenAll(workers.Concat(slowTasks));
    }

    private static async Task SendAsync(HostileCase hostile, Uri gateway, List<RequestRecord> sink)
    {
        var record = new RequestRecord { Kind = hostile.Category, MayGoUnanswered = hostile.MayGoUnanswered, StartMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(hostile.Category == "slowheaders" ? SlowHeadersTimeout : AnswerTimeout);
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(gateway.Host, gateway.Port, timeout.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var reading = ReadAnswerAsync(stream, timeout.Token);
            try
            {
                await stream.WriteAsync(hostile.Head, timeout.Token);
                await WriteBodyAsync(stream, hostile, reading, timeout.Token);
            }
            catch (IOException)
            {
                // The server may answer and close before the whole request is written (a 413, 431 or 408): the answer
                // is what counts.
            }

            var (status, headers, body) = await reading;
            record.Status = status;
            Inspect(record, headers, body);
        }
        catch (OperationCanceledException)
        {
            record.Failure = "no answer in time";
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            record.Failure = "conn";
            record.Detail = e.GetType().Name;
        }

        record.LatencyMs = clock.Elapsed.TotalMilliseconds;
        lock (sink) sink.Add(record);
    }

    private static async Task WriteBodyAsync(NetworkStream stream, HostileCase hostile, Task answered, CancellationToken cancel)
    {
        if (hostile.TrickleBytesPerSecond <= 0)
        {
            await stream.WriteAsync(hostile.Body, cancel);
            return;
        }

        var chunk = Math.Max(1, hostile.TrickleBytesPerSecond / 10);
        for (var sent = 0; sent < hostile.Body.Length && !answered.IsCompleted; sent += chunk)
        {
            await stream.WriteAsync(hostile.Body.AsMemory(sent, Math.Min(chunk, hostile.Body.Length - sent)), cancel);
            await Task.Delay(100, cancel);
        }
    }

    private static async Task<(int Status, string Headers, string Body)> ReadAnswerAsync(NetworkStream stream, CancellationToken cancel)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancel)) > 0) buffer.Write(chunk, 0, read);
        }
        catch (IOException) when (buffer.Length > 0)
        {
            // A reset after the answer (the server closing a connection whose body it did not read) ends the read.
        }

        var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0 || !text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal))
        {
            throw new IOException(buffer.Length == 0 ? "closed without an answer" : "not an HTTP answer");
        }

        return (int.Parse(text.AsSpan(9, 3)), text[..end], text[(end + 4)..]);
    }

    private static void Inspect(RequestRecord record, string headers, string body)
    {
        foreach (var line in headers.Split("\r\n"))
        {
            if (line.StartsWith("x-aoai-request-id:", StringComparison.OrdinalIgnoreCase)) record.RequestId = line[18..].Trim();
            if (line.StartsWith("content-type: text/event-stream", StringComparison.OrdinalIgnoreCase)) record.Stream = true;
        }

        if (record.Status >= 500) record.Failure = "http";
        if (record.Status >= 400 && body.Length > 0 && headers.Contains("application/json", StringComparison.OrdinalIgnoreCase))
        {
            record.ShapeOk = HasErrorShape(Unchunk(headers, body));
        }

        if (record.Status == 200) ReadUsage(record, Unchunk(headers, body));
    }

    private static bool HasErrorShape(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String && error.TryGetProperty("code", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void ReadUsage(RequestRecord record, string body)
    {
        // A non-streamed answer is one JSON object; a stream's usage is in the last data event that has one.
        var json = body;
        if (record.Stream)
        {
            json = body.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal) && l.Contains("\"prompt_tokens\"", StringComparison.Ordinal))
                .Select(l => l[6..]).LastOrDefault() ?? "";
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                record.InputTokens = usage.GetProperty("prompt_tokens").GetInt64();
                record.OutputTokens = usage.GetProperty("completion_tokens").GetInt64();
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            record.Detail = "200 without readable usage";
        }
    }

    private static string Unchunk(string headers, string body)
    {
        if (!headers.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase)) return body;
        var result = new StringBuilder();
        var at = 0;
        while (at < body.Length)
        {
            var lineEnd = body.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (lineEnd < 0) break;
            var size = Convert.ToInt32(body[at..lineEnd].Split(';')[0].Trim(), 16);
            if (size == 0) break;
            // Sizes count bytes; the answers here are ASCII JSON and SSE, where bytes and chars agree.
            result.Append(body, lineEnd + 2, Math.Min(size, body.Length - lineEnd - 2));
            at = lineEnd + 2 + size + 2;
        }

        return result.ToString();
    }
}
