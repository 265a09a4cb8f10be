using System.Text;

namespace AspireAoai.Bench.Chaos;

/// <summary>
/// Counts the canary strings (client keys, the admin and upstream keys, the prompt marker) in every captured log
/// file and in the exported telemetry (OTLP bodies as received: protobuf keeps strings as UTF-8 bytes).
/// </summary>
internal static class LogScan
{
    public static PhaseResult Run(string dir, string[] canaries)
    {
        var result = new PhaseResult { Phase = "log-scan" };
        long lines = 0, bytes = 0;
        var hits = 0;
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var content = File.ReadAllBytes(file);
            bytes += content.Length;
            lines += content.Count(b => b == (byte)'\n');
            foreach (var canary in canaries)
            {
                var count = Count(content, Encoding.UTF8.GetBytes(canary));
                if (count == 0) continue;
                hits += count;
                result.Notes.Add($"{Path.GetFileName(file)}: {count} x canary #{Array.IndexOf(canaries, canary)}");
            }
        }

        result.Sent = (int)Math.Min(int.MaxValue, lines);
        result.Numbers["bytes"] = bytes;
        result.Numbers["hits"] = hits;
        result.Notes.Insert(0, $"{lines} lines, {bytes} bytes in {Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Count()} files (process logs and OTLP exports)");
        result.Pass = hits == 0 && bytes > 0;
        result.TotalsExact = true;
        result.Condition = "0 occurrences of any client key, the admin key, the upstream key or the prompt marker in every log line and exported span, metric and log record";
        return result;
    }

    private static int Count(byte[] haystack, byte[] needle)
    {
        var count = 0;
        var span = haystack.AsSpan();
        int at;
        while ((at = span.IndexOf(needle)) >= 0)
        {
            count++;
            span = span[(at + needle.Length)..];
        }

        return count;
    }
}
