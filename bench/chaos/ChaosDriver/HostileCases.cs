using System.Text;

namespace AspireAoai.Bench.Chaos;

/// <summary>One generated hostile request: raw bytes for a socket, and how it may end.</summary>
internal sealed record HostileCase(string Category, byte[] Head, byte[] Body, int TrickleBytesPerSecond, bool MayGoUnanswered);

/// <summary>
/// Generates malformed or hostile requests from a fixed seed: fuzzed JSON, wrong types, huge or many headers, broken
/// framing and content types, unknown paths and keys, and slow bodies. Canary text sits in prompts, odd fields,
/// headers and wrong keys, so the log scan can tell whether any of it was written out.
/// </summary>
internal static class HostileCases
{
    private const string Path = "/v1/chat/completions";
    private const string AzurePath = "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21";

    public static List<HostileCase> Generate(int count, string key, string canary, int seed)
    {
        var random = new Random(seed);
        var valid = $$"""{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"{{canary}} hostile drill"}],"max_tokens":16,"temperature":0.7}""";
        var cases = new List<HostileCase>(count);
        for (var i = 0; i < count; i++)
        {
            var slot = i % 20;
            cases.Add(slot switch
            {
                < 8 => Post("fuzz", random.Next(4) == 0 ? AzurePath : Path, key, Fuzz(valid, random)),
                < 11 => Post("types", Path, key, WrongType(random, canary)),
                < 13 => Headers(random, key, canary, valid),
                < 17 => Protocol(random, key, canary, valid),
                < 18 => i % 100 == 17 ? SlowHeaders(key) : Slow(key, valid, random),
                _ => Odd(random, key, canary),
            });
        }

        return cases;
    }

    private static HostileCase Post(string category, string path, string key, string body, string contentType = "application/json", string extra = "") =>
        Raw(category, $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nContent-Type: {contentType}\r\n{extra}Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n", Encoding.UTF8.GetBytes(body));

    private static HostileCase Raw(string category, string head, byte[] body, bool mayGoUnanswered = false) =>
        new(category, Encoding.Latin1.GetBytes(head), body, 0, mayGoUnanswered);

    private static string Fuzz(string valid, Random random)
    {
        var chars = new StringBuilder(valid);
        const string alphabet = "{}[]\":,0123456789-+.eEtrufalsn \\\u00e9\u0000\uffff";
        var edits = random.Next(1, 6);
        for (var e = 0; e < edits && chars.Length > 0; e++)
        {
            var at = random.Next(chars.Length);
            switch (random.Next(5))
            {
                case 0: chars[at] = alphabet[random.Next(alphabet.Length)]; break;
                case 1: chars.Remove(at, 1); break;
                case 2: chars.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                case 3: chars.Length = at; break;
                default: chars.Insert(at, chars.ToString(at, Math.Min(12, chars.Length - at))); break;
            }
        }

        return chars.ToString();
    }

    private static string WrongType(Random random, string canary)
    {
        string[] bodies =
        [
            $$"""{"model":"gpt-4o-mini","messages":"{{canary}} as a string"}""",
            $$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{canary}}"}],"max_tokens":"many"}""",
            $$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{canary}}"}],"stream":"yes"}""",
            $$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{canary}}"}],"temperature":[1]}""",
            $$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{canary}}"}],"n":-3}""",
            $$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{canary}}"}],"max_tokens":-1}""",
            $$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{canary}}"}],"max_tokens":1e400}""",
            $$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{canary}}"}],"stream_options":"x","stream":true}""",
            $$"""{"model":42,"messages":[{"role":"user","content":"{{canary}}"}]}""",
            $$"""{"model":"{{canary}}-no-such-model","messages":[{"role":"user","content":"hi"}]}""",
            $$"""{"model":"gpt-4o-mini","messages":[]}""",
            $$$"""{"model":"gpt-4o-mini","messages":[{"role":7,"content":{"{{{canary}}}":1}}]}""",
            $$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{canary}}"}],"max_tokens":999999999999999999999}""",
            $$"""["model","gpt-4o-mini","{{canary}}"]""",
            $$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{canary}}"}]} trailing""",
            new string('[', 5000) + new string(']', 5000),
            "",
            "null",
        ];
        return bodies[random.Next(bodies.Length)];
    }

    private static HostileCase Headers(Random random, string key, string canary, string valid) => random.Next(5) switch
    {
        0 => Post("headers", Path, key, valid, extra: $"X-Big: {canary}{new string('a', 64 * 1024)}\r\n"),
        1 => Post("headers", Path, key, valid, extra: string.Concat(Enumerable.Range(0, 300).Select(i => $"X-H{i}: {canary}\r\n"))),
        2 => Post("headers", Path, $"{canary}-{new string('k', 20_000)}", valid),
        3 => Post("headers", Path, key, valid, extra: $"X-Ms-Client-Request-Id: {canary}{new string('r', 3000)}\r\nUser-Agent: chaos-{new string('u', 3000)}\r\n"),
        _ => Raw("headers", $"POST {Path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nX-Bad\u0001Name: {canary}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n", "{}"u8.ToArray()),
    };

    private static HostileCase Protocol(Random random, string key, string canary, string valid) => random.Next(10) switch
    {
        0 => Post("protocol", Path, key, valid, contentType: "text/plain"),
        1 => Raw("protocol", $"POST {Path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\nConnection: close\r\n\r\n", "{"u8.ToArray(), mayGoUnanswered: true),
        2 => Raw("protocol", $"POST {Path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", "zz\r\n{}\r\n0\r\n\r\n"u8.ToArray()),
        3 => Post("protocol", "/openai/deployments/gpt-4o-mini/chat/completions?api-version=" + canary, key, valid),
        4 => Post("protocol", "/v1/" + canary + "/../../admin/usage", key, valid),
        5 => Raw("protocol", $"GET {Path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n", []),
        6 => Post("protocol", Path, "sk-" + canary + "-wrong-key", valid),
        7 => new HostileCase("protocol", Encoding.Latin1.GetBytes($"POST {Path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json; charset=utf-16\r\nContent-Length: {Encoding.Unicode.GetByteCount(valid)}\r\nConnection: close\r\n\r\n"), Encoding.Unicode.GetBytes(valid), 0, false),
        8 => new HostileCase("protocol", Encoding.Latin1.GetBytes($"POST {Path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: 40\r\nConnection: close\r\n\r\n"), [0x7b, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d, .. new byte[30]], 0, false),
        _ => Post("protocol", "/admin/deployments", key, valid),
    };

    private static HostileCase Slow(string key, string valid, Random random)
    {
        // Declares more than it will send, trickled at about 100 B/s: the gateway's body-rate rule has to end it.
        var body = Encoding.UTF8.GetBytes(valid + new string(' ', 4000));
        var head = $"POST {Path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        return new HostileCase("slow", Encoding.Latin1.GetBytes(head), body, 80 + random.Next(40), false);
    }

    private static HostileCase SlowHeaders(string key)
    {
        // Slowloris proper: the request head itself trickles (about 20 B/s) and never ends; the server's header
        // timeout has to close it. Sent as the "body" so the trickle applies; the head part is empty.
        var head = $"POST {Path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n" + string.Concat(Enumerable.Range(0, 200).Select(i => $"X-Slow-{i}: {i}\r\n"));
        return new HostileCase("slowheaders", [], Encoding.Latin1.GetBytes(head), 20, true);
    }

    private static HostileCase Odd(Random random, string key, string canary) => random.Next(4) switch
    {
        0 => Post("odd", Path, key, $$"""{"model":"gpt-4o-mini","user":"{{canary}}","metadata":{"{{canary}}":"{{canary}}"},"messages":[{"role":"user","content":"{{canary}} odd fields","name":"{{canary}}"}],"max_tokens":8}"""),
        1 => Post("odd", Path, key, $$$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":[{"type":"text","text":"{{{canary}}} parts"},{"type":"image_url","image_url":{"url":"data:,{{{canary}}}"}}]}],"max_tokens":8}"""),
        2 => Post("odd", Path, key, """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"CANARY tools"}],"tools":[{"type":"function","function":{"name":"CANARY","parameters":{"type":"object"}}}],"max_tokens":8}""".Replace("CANARY", canary, StringComparison.Ordinal)),
        _ => Post("odd", Path, key, $$"""{"model":"gpt-4o-mini","model":"gpt-4o","messages":[{"role":"user","content":"{{canary}} duplicate"}],"messages":[{"role":"user","content":"{{canary}} again"}],"max_tokens":8}"""),
    };
}
