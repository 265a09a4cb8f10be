namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// The same sliding window as the Redis script (60 s of sub-buckets plus the current one), in memory, for one
/// replica while Redis is unavailable. Quotas per day and month are not enforced locally: they are long-term
/// budgets that a short outage cannot exhaust in a meaningful way.
/// </summary>
internal sealed class LocalSlidingWindow
{
    private readonly Lock _gate = new();
    private readonly int _bucketMs;
    private readonly int _window;
    private readonly long[] _ids;
    private readonly long[] _tokens;
    private readonly int[] _requests;

    public LocalSlidingWindow(int bucketMs, int rpm, int tpm)
    {
        _bucketMs = bucketMs;
        _window = 60_000 / bucketMs;
        Rpm = rpm;
        Tpm = tpm;
        _ids = new long[_window + 1];
        Array.Fill(_ids, long.MinValue);
        _tokens = new long[_window + 1];
        _requests = new int[_window + 1];
    }

    public int Rpm { get; }

    public int Tpm { get; }

    /// <summary>Checks and charges one request; on rejection gives the milliseconds until it would fit.</summary>
    public WindowResult TryAcquire(long nowMs, long tokens)
    {
        var cur = nowMs / _bucketMs;
        lock (_gate)
        {
            long tt = 0, rt = 0;
            for (var i = 0; i < _ids.Length; i++)
            {
                if (_ids[i] >= cur - _window && _ids[i] <= cur)
                {
                    tt += _tokens[i];
                    rt += _requests[i];
                }
            }

            if (Tpm > 0 && tokens > Tpm)
            {
                return new WindowResult(false, true, 0, rt, tt, cur);
            }

            long retry = 0;
            if (Rpm > 0 && rt + 1 > Rpm)
            {
                retry = Math.Max(retry, Fit(cur, nowMs, rt, 1, Rpm, requests: true));
            }

            if (Tpm > 0 && tt + tokens > Tpm)
            {
                retry = Math.Max(retry, Fit(cur, nowMs, tt, tokens, Tpm, requests: false));
            }

            if (retry > 0)
            {
                return new WindowResult(false, false, retry, rt, tt, cur);
            }

            var slot = (int)(cur % _ids.Length);
            if (_ids[slot] != cur)
            {
                _ids[slot] = cur;
                _tokens[slot] = 0;
                _requests[slot] = 0;
            }

            _tokens[slot] += tokens;
            _requests[slot]++;
            return new WindowResult(true, false, 0, rt + 1, tt + tokens, cur);
        }
    }

    /// <summary>Adds <paramref name="tokens"/> (negative = refund) to the bucket a request was charged in, if still held.</summary>
    public void Adjust(long bucket, long tokens)
    {
        lock (_gate)
        {
            var slot = (int)(bucket % _ids.Length);
            if (_ids[slot] == bucket)
            {
                _tokens[slot] = Math.Max(0, _tokens[slot] + tokens);
            }
        }
    }

    private long Fit(long cur, long nowMs, long total, long need, long limit, bool requests)
    {
        long acc = 0;
        for (var b = cur - _window; b <= cur; b++)
        {
            var slot = (int)(b % _ids.Length);
            if (_ids[slot] == b)
            {
                acc += requests ? _requests[slot] : _tokens[slot];
            }

            if (total - acc + need <= limit)
            {
                return Math.Max(1, ((b + _window + 1) * _bucketMs) - nowMs);
            }
        }

        return Math.Max(1, ((cur + _window + 1) * _bucketMs) - nowMs);
    }
}
