using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace AspireAoai.Bench.Chaos;

/// <summary>
/// Asks <c>GET /v1/usage</c> once a second through the phase, alternating replicas: during an outage it may say 503
/// (its store is away), but in the OpenAI error shape, within its query timeout, and never a 500.
/// </summary>
internal sealed class UsageApiProbe(string[] gateways, string clientKey)
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };
    private readonly SortedDictionary<string, int> _answers = new(StringComparer.Ordinal);
    private double _maxMs;
    private int _bad;

    public async Task RunAsync(CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var clock = Stopwatch.StartNew();
            string label;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, gateways[n % gateways.Length].TrimEnd('/') + "/v1/usage");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", clientKey);
                using var response = await _http.SendAsync(request, CancellationToken.None);
                var status = (int)response.StatusCode;
                label = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (status >= 500 && (status != 503 || !IsOpenAiError(await response.Content.ReadAsStringAsync(CancellationToken.None)))) _bad++;
            }
            catch (HttpRequestException)
            {
                label = "conn"; // a replica that is down (the api-kill phase) refuses the connection
            }
            catch (TaskCanceledException)
            {
                label = "timeout";
                _bad++;
            }

            _maxMs = Math.Max(_maxMs, clock.Elapsed.TotalMilliseconds);
            _answers[label] = _answers.GetValueOrDefault(label) + 1;
            try
            {
                await Task.Delay(1000, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Adds the probe's outcome to the phase: a note, and a failed row when it saw a 500 or a bad 503.</summary>
    public void Report(PhaseResult result)
    {
        result.Notes.Add($"usage API probe: {string.Join(" ", _answers.Select(a => $"{a.Key}x{a.Value}"))}, slowest {_maxMs:F0} ms");
        result.Numbers["usageApiBadAnswers"] = _bad;
        if (_bad > 0 || _maxMs > 12_000)
        {
            result.Pass = false;
            result.Notes.Add($"usage API: {_bad} answers were 5xx other than an OpenAI-shaped 503, or slower than 12 s");
        }
    }

    private static bool IsOpenAiError(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("message", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
