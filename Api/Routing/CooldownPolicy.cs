using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Routing;

/// <summary>
/// How long a failed deployment cools down. The upstream's own word wins: <c>retry-after-ms</c>, then
/// <c>x-ms-retry-after-ms</c>, then <c>retry-after</c> (seconds or HTTP date), then the later of
/// <c>x-ratelimit-reset-requests</c> / <c>x-ratelimit-reset-tokens</c>. Without any of them the configured
/// default applies. Every value is capped by <see cref="RoutingOptions.MaxCooldown"/>.
/// </summary>
public sealed class CooldownPolicy
{
    private readonly RoutingOptions _options;

    public CooldownPolicy(IOptions<RoutingOptions> options) => _options = options.Value;

    /// <summary>The cool-down when the upstream said nothing (timeouts, connection failures, bare 5xx).</summary>
    public TimeSpan Default => _options.DefaultCooldown;

    /// <summary>True for statuses that say "this deployment, not this request": fail over and cool it down.</summary>
    /// <remarks>401/403 mean the gateway's credential for that deployment is wrong: another may work.</remarks>
    public static bool IsRetryable(int status) => status is 429 or 408 or 401 or 403 || status >= 500;

    /// <summary>The cool-down the response headers ask for, capped; the default when they ask for nothing.</summary>
    public TimeSpan FromResponse(HttpResponseHeaders headers, DateTimeOffset now)
        => TryReadRetryAfter(headers, now, out var delay) ? Cap(delay) : _options.DefaultCooldown;

    private TimeSpan Cap(TimeSpan delay)
    {
        if (delay < TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        return delay > _options.MaxCooldown ? _options.MaxCooldown : delay;
    }

    /// <summary>Reads the retry delay from the headers, in the order the OpenAI SDKs use.</summary>
    public static bool TryReadRetryAfter(HttpResponseHeaders headers, DateTimeOffset now, out TimeSpan delay)
    {
        if (TryMilliseconds(headers, "retry-after-ms", out delay) || TryMilliseconds(headers, "x-ms-retry-after-ms", out delay))
        {
            return true;
        }

        if (TryFirst(headers, "retry-after", out var retryAfter))
        {
            if (double.TryParse(retryAfter, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && double.IsFinite(seconds))
            {
                delay = TimeSpan.FromSeconds(seconds);
                return true;
            }

            if (DateTimeOffset.TryParseExact(retryAfter, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                delay = date - now;
                return true;
            }
        }

        var found = false;
        delay = TimeSpan.Zero;
        foreach (var name in ResetHeaders)
        {
            if (TryFirst(headers, name, out var value) && TryParseDuration(value, out var reset))
            {
                found = true;
                if (reset > delay)
                {
                    delay = reset;
                }
            }
        }

        return found;
    }

    private static readonly string[] ResetHeaders = ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"];

    private static bool TryMilliseconds(HttpResponseHeaders headers, string name, out TimeSpan delay)
    {
        if (TryFirst(headers, name, out var value) &&
            double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0 && double.IsFinite(ms))
        {
            delay = TimeSpan.FromMilliseconds(ms);
            return true;
        }

        delay = default;
        return false;
    }

    private static bool TryFirst(HttpResponseHeaders headers, string name, out string value)
    {
        if (headers.NonValidated.TryGetValues(name, out var values))
        {
            foreach (var v in values)
            {
                value = v.Trim();
                return value.Length > 0;
            }
        }

        value = "";
        return false;
    }

    /// <summary>
    /// Parses a reset duration: a bare number of seconds (<c>12</c>, <c>0.5</c>) or Go-style units as OpenAI sends
    /// them (<c>20ms</c>, <c>1s</c>, <c>6m0s</c>, <c>1h2m3.5s</c>).
    /// </summary>
    public static bool TryParseDuration(ReadOnlySpan<char> text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        text = text.Trim();
        if (text.IsEmpty)
        {
            return false;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            if (bare < 0 || !double.IsFinite(bare))
            {
                return false;
            }

            duration = TimeSpan.FromSeconds(bare);
            return true;
        }

        double totalMs = 0;
        while (!text.IsEmpty)
        {
            var numberEnd = 0;
            while (numberEnd < text.Length && (char.IsAsciiDigit(text[numberEnd]) || text[numberEnd] == '.'))
            {
                numberEnd++;
            }

            if (numberEnd == 0 || !double.TryParse(text[..numberEnd], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            text = text[numberEnd..];
            double unitMs;
            if (text.StartsWith("ms"))
            {
                unitMs = 1;
                text = text[2..];
            }
            else if (text.StartsWith("h"))
            {
                unitMs = 3_600_000;
                text = text[1..];
            }
            else if (text.StartsWith("m"))
            {
                unitMs = 60_000;
                text = text[1..];
            }
            else if (text.StartsWith("s"))
            {
                unitMs = 1_000;
                text = text[1..];
            }
            else
            {
                return false;
            }

            totalMs += number * unitMs;
        }

        duration = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }
}
