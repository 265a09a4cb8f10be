namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Writes the queued adjustments to Redis in the script's flush mode, merged (<see cref="PendingAdjustments.TakeMerged"/>),
/// <see cref="FlushBatch"/> to a call. <see cref="AdjustmentFlusher"/> calls it every tick.
/// </summary>
internal sealed class AdjustmentWriter(RedisLimitConnection redis, PendingAdjustments pending, ScriptArguments arguments)
{
    /// <summary>Merged adjustments per flush call.</summary>
    internal const int FlushBatch = 64;

    /// <summary>Queued adjustments one flush pass takes and merges before writing.</summary>
    internal const int FlushTake = 4096;

    /// <summary>
    /// Writes the adjustments queued when the pass starts, merged: adjustments of one key, sub-bucket, day and month
    /// become one (a busy deployment gets one charge per bucket, not one per request). Those queued meanwhile wait for
    /// the next pass: a busy replica makes one call a pass instead of chasing its own queue with a call per round trip.
    /// Returns how many queued adjustments were written; on failure the rest go back to the queue.
    /// </summary>
    public async Task<int> FlushAsync()
    {
        var written = 0;
        var due = pending.Count;
        while (due > 0 && redis.IsAvailable)
        {
            var batch = pending.TakeMerged(Math.Min(FlushTake, due), out var taken);
            due -= taken;
            if (batch.Count == 0)
            {
                break;
            }

            for (var first = 0; first < batch.Count; first += FlushBatch)
            {
                var count = Math.Min(FlushBatch, batch.Count - first);
                if (!await WriteAsync(batch, first, count).ConfigureAwait(false))
                {
                    for (var i = first; i < batch.Count; i++)
                    {
                        pending.Enqueue(batch[i].Sum);
                    }

                    return written;
                }

                for (var i = first; i < first + count; i++)
                {
                    written += batch[i].Count;
                }
            }
        }

        return written;
    }

    private async Task<bool> WriteAsync(List<MergedAdjustment> batch, int first, int count)
    {
        var (keys, values) = arguments.NewFlush(count);
        for (var i = 0; i < count; i++)
        {
            ScriptArguments.WriteAdjustment(keys, values, i, batch[first + i].Sum);
        }

        return await redis.EvaluateAsync(keys, values).ConfigureAwait(false) is not null;
    }
}
