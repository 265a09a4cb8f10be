using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using OpenAI;
using OpenAI.Chat;

namespace AspireAoai.Bench.Chaos;

/// <summary>
/// Steady load from the real OpenAI .NET SDK: a few client keys, streamed and non-streamed chats in turn, requests
/// alternating between the two Api replicas. A replica that refuses a connection is skipped for a few seconds, as a
/// load balancer's health probe would, so the load moves to the other one. The SDK's own retries are off: every
/// failure is counted.
/// </summary>
internal sealed class LoadRunner
{
    private static readonly AsyncLocal<RequestRecord?> Current = new();
    private readonly ChatClient[,] _clients;
    private readonly long[] _downUntil;
    private readonly string _canary;
    private readonly int _pauseMs;
    private long _counter;

    public LoadRunner(string[] gateways, string[] keys, string canary, int pauseMs)
    {
        _canary = canary;
        _pauseMs = pauseMs;
        _downUntil = new long[gateways.Length];
        _clients = new ChatClient[gateways.Length, keys.Length];
        for (var g = 0; g < gateways.Length; g++)
        {
            for (var k = 0; k < keys.Length; k++)
            {
                var options = new OpenAIClientOptions
                {
                    Endpoint = new Uri(gateways[g].TrimEnd('/') + "/v1"),
                    RetryPolicy = new ClientRetryPolicy(0),
                    NetworkTimeout = TimeSpan.FromSeconds(60),
                };
                options.AddPolicy(new CaptureHeaders(), PipelinePosition.PerCall);
                _clients[g, k] = new ChatClient("gpt-4o-mini", new ApiKeyCredential(keys[k]), options);
            }
        }
    }

    public async Task RunAsync(int concurrency, TimeSpan duration, List<RequestRecord> sink, CancellationToken cancel)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        window.CancelAfter(duration);
        var loops = new Task[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            var loop = i;
            loops[i] = Task.Run(() => LoopAsync(loop, sink, window.Token), CancellationToken.None);
        }

        await Task.WhenAll(loops);
    }

    private async Task LoopAsync(int loop, List<RequestRecord> sink, CancellationToken stop)
    {
        var keys = _clients.GetLength(1);
        while (!stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref _counter);
            var record = new RequestRecord { Key = loop % keys, Stream = n % 2 == 0, Replica = PickReplica(n) };
            await SendAsync(record, n);
            lock (sink) sink.Add(record);
            try
            {
                await Task.Delay(_pauseMs, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private int PickReplica(long n)
    {
        var count = _downUntil.Length;
        var now = Environment.TickCount64;
        for (var i = 0; i < count; i++)
        {
            var replica = (int)((n + i) % count);
            if (Volatile.Read(ref _downUntil[replica]) <= now) return replica;
        }

        return (int)(n % count);
    }

    private async Task SendAsync(RequestRecord record, long n)
    {
        var client = _clients[record.Replica, record.Key];
        List<ChatMessage> messages =
        [
            new SystemChatMessage("You are a concise assistant for a reliability drill."),
            new UserChatMessage($"{_canary} request {n}: name one reason to put a gateway in front of a model API."),
        ];
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 24, Temperature = 0.7f };
        record.StartMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var clock = Stopwatch.StartNew();
        Current.Value = record;
        try
        {
            if (record.Stream)
            {
                await foreach (var update in client.CompleteChatStreamingAsync(messages, options))
                {
                    if (update.Usage is { } usage)
                    {
                        record.InputTokens = usage.InputTokenCount;
                        record.OutputTokens = usage.OutputTokenCount;
                    }
                }
            }
            else
            {
                ChatCompletion answer = await client.CompleteChatAsync(messages, options);
                record.InputTokens = answer.Usage.InputTokenCount;
                record.OutputTokens = answer.Usage.OutputTokenCount;
            }
        }
        catch (ClientResultException e) when (e.Status > 0)
        {
            record.Status = e.Status;
            record.Failure = "http";
            record.Detail = e.Message.Length > 120 ? e.Message[..120] : e.Message;
        }
        catch (Exception e)
        {
            record.Failure = record.Status > 0 ? "broken" : "conn";
            record.Detail = e.GetType().Name;
            if (record.Status == 0)
            {
                Volatile.Write(ref _downUntil[record.Replica], Environment.TickCount64 + 3_000);
            }
        }
        finally
        {
            Current.Value = null;
            record.LatencyMs = clock.Elapsed.TotalMilliseconds;
        }

        if (record.Failure is null && record.InputTokens is null)
        {
            record.Failure = "broken";
            record.Detail = "no usage";
        }
    }

    /// <summary>Takes the status and the gateway's request id off the response, streamed or not.</summary>
    private sealed class CaptureHeaders : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            ProcessNext(message, pipeline, currentIndex);
            Capture(message);
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            await ProcessNextAsync(message, pipeline, currentIndex);
            Capture(message);
        }

        private static void Capture(PipelineMessage message)
        {
            if (Current.Value is not { } record || message.Response is not { } response) return;
            record.Status = response.Status;
            if (response.Headers.TryGetValue("x-aoai-request-id", out var id)) record.RequestId = id;
        }
    }
}
