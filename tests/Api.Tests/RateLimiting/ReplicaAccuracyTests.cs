using AspireAoai.Api.RateLimiting;
using AspireAoai.TestSupport;

namespace AspireAoai.Api.Tests.RateLimiting;

/// <summary>Several limiter replicas, each with its own connection, hammering one Redis at once.</summary>
public sealed class ReplicaAccuracyTests : IClassFixture<RedisFixture>
{
    private readonly RedisFixture _redis;

    public ReplicaAccuracyTests(RedisFixture redis) => _redis = redis;

    [Fact]
    public async Task FourReplicasUnderConcurrentLoad_AdmitExactlyTheLimit_NeverMore()
    {
        const int Tpm = 50_000;
        const int Rpm = 100_000;
        var kits = new List<LimiterKit>();
        for (var i = 0; i < 4; i++)
        {
            // Every admission its own round trip: this test is about the exactness of the script under contention.
            kits.Add(await LimiterKit.StartAsync(_redis.Server, o => o.Leases = false));
        }

        try
        {
            var id = "accuracy-" + Guid.NewGuid().ToString("N")[..8];
            long admittedTokens = 0, admittedRequests = 0, refused = 0;
            var workers = new List<Task>();
            foreach (var kit in kits)
            {
                // Each replica resolves its own ClientLimits, as separate processes would.
                var client = kit.Client(id, rpm: Rpm, tpm: Tpm);
                for (var w = 0; w < 8; w++)
                {
                    var seed = workers.Count;
                    workers.Add(Task.Run(async () =>
                    {
                        var random = new Random(seed);
                        for (var n = 0; n < 150; n++)
                        {
                            var tokens = random.Next(20, 180);
                            var result = await kit.Limiter.AcquireAsync(client, [], tokens);
                            Assert.Equal(LimitSource.Redis, result.Source);
                            if (result.Admitted)
                            {
                                Interlocked.Add(ref admittedTokens, tokens);
                                Interlocked.Increment(ref admittedRequests);
                            }
                            else
                            {
                                Assert.True(result.RetryAfterMs > 0);
                                Interlocked.Increment(ref refused);
                            }
                        }
                    }));
                }
            }

            await Task.WhenAll(workers);

            // 4800 requests averaging 100 tokens ask for ~480k: the limit is reached within the test's few seconds.
            Assert.True(refused > 0);
            Assert.InRange(admittedTokens, Tpm - 180, Tpm);
            var db = kits[0].Multiplexer.GetDatabase();
            Assert.Equal(admittedTokens, (long)await db.HashGetAsync("aoai:rl:client:" + id, "tt"));
            Assert.Equal(admittedRequests, (long)await db.HashGetAsync("aoai:rl:client:" + id, "rt"));
        }
        finally
        {
            foreach (var kit in kits)
            {
                await kit.DisposeAsync();
            }
        }
    }
}
