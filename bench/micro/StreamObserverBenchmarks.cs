using System.Text;
using AspireAoai.Api.Answers;
using AspireAoai.Api.RateLimiting;
using BenchmarkDotNet.Attributes;

namespace AspireAoai.Api.Micro;

/// <summary>
/// What observing a streamed answer costs the relay (issue 23): a 200-token gpt-4o stream in Azure's chunk shape, one
/// chunk per token as the relay reads them, observed as today (usage, filters) and with its text kept for counting;
/// and the count itself, which runs only when the stream ends without a usage chunk.
/// </summary>
[MemoryDiagnoser]
public class StreamObserverBenchmarks
{
    private static readonly Microsoft.ML.Tokenizers.Tokenizer Tokenizer = TokenEstimator.ForModel("gpt-4o");
    private byte[][] _chunks = [];

    [GlobalSetup]
    public void Setup()
    {
        var chunks = new List<byte[]>();
        for (var i = 0; i < 200; i++)
        {
            var word = i == 0 ? "Gateways" : " word" + (i % 37).ToString(System.Globalization.CultureInfo.InvariantCulture);
            chunks.Add(Encoding.UTF8.GetBytes(
                $$$"""data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":"{{{word}}}"},"finish_reason":null,"index":0,"logprobs":null}],"created":1764039639,"id":"chatcmpl-bench","model":"gpt-4o-2024-11-20","object":"chat.completion.chunk","system_fingerprint":"fp_bench"}""" + "\n\n"));
        }

        _chunks = [.. chunks];
        Observe(count: true); // warm the pools and the tokenizer
    }

    [Benchmark(Baseline = true, Description = "observe 200-chunk stream")]
    public int ObserveOnly() => Observe(count: false);

    [Benchmark(Description = "observe 200-chunk stream, text kept for counting")]
    public int ObserveKeepingText() => Observe(count: true);

    [Benchmark(Description = "observe and count (stream without usage)")]
    public long ObserveAndCount()
    {
        using var observer = ResponseObserver.Rent();
        observer.CountOutput(Tokenizer);
        foreach (var chunk in _chunks)
        {
            observer.FeedSse(chunk);
        }

        return observer.CountedOutputTokens();
    }

    private int Observe(bool count)
    {
        using var observer = ResponseObserver.Rent();
        if (count)
        {
            observer.CountOutput(Tokenizer);
        }

        foreach (var chunk in _chunks)
        {
            observer.FeedSse(chunk);
        }

        return observer.FinishReasons.Count;
    }
}
