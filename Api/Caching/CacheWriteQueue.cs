using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Caching;

/// <summary>
/// The bounded hand-off between responses and the background writer. Offering never waits: when the queue is
/// full the write is dropped and counted, so a slow store can never hold a response or grow memory without bound.
/// </summary>
internal sealed class CacheWriteQueue
{
    private readonly Channel<CacheWrite> _channel;
    private readonly CacheMetrics _metrics;
    private readonly ILogger<CacheWriteQueue> _logger;
    private readonly int _capacity;

    public CacheWriteQueue(IOptions<CacheOptions> options, CacheMetrics metrics, ILogger<CacheWriteQueue> logger)
    {
        _capacity = options.Value.WriteQueueCapacity;
        _channel = Channel.CreateBounded<CacheWrite>(new BoundedChannelOptions(_capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
        _metrics = metrics;
        _logger = logger;
    }

    public ChannelReader<CacheWrite> Reader => _channel.Reader;

    /// <summary>Queues <paramref name="write"/>, or releases it when the queue is full.</summary>
    public bool Offer(CacheWrite write)
    {
        if (_channel.Writer.TryWrite(write))
        {
            return true;
        }

        write.Release();
        _metrics.Store("dropped");
        CacheLog.QueueFull(_logger, _capacity);
        return false;
    }
}
