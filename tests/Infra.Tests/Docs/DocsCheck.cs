using System.Text.RegularExpressions;

namespace AspireAoai.Infra.Tests.Docs;

/// <summary>
/// The rules that hold the docs to the code. Each takes one code span (or one prose line) of a doc and returns what in
/// it the code does not have, or null. The rules:
/// <list type="bullet">
/// <item>Paths: a span of path characters with a <c>/</c> (<c>Api/Foo/Bar.cs</c>, <c>scripts/x.sh</c>, <c>Routing/</c>,
/// <c>RateLimiting/ClientGates</c>) names a file or folder, or a C# file without its <c>.cs</c>, relative to the
/// repository root, the doc's folder or one of the project folders (docs say <c>Parsing/</c> for <c>Api/Parsing/</c>).
/// Spans starting with <c>/</c> are URL paths, not files.</item>
/// <item>Types and members: a span that is a PascalCase name of two or more words (<c>ClientGates</c>), or such names
/// joined by dots (<c>UsageEvent.WriteEntry</c>, each part checked), or a test reference
/// <c>Project.Tests: Class.Method</c>, must be an identifier of the repository's C# code (declared there, or a library
/// type or member the code uses); one-word names (<c>Model</c>) are too often JSON fields to tell apart and are not
/// checked, nor dotted names under a library's namespace (<c>Microsoft.AspNetCore.Hosting</c>); names that are not
/// C# at all are in <see cref="External"/>.</item>
/// <item>Settings: a span starting with a configuration section (<c>Gateway:Cache:MemoryMaxBytes</c>,
/// <c>Gateway__KeyHashPepper</c>, <c>...:UseV1Api</c>) names, in each segment that is not a placeholder or an index, a
/// property of the code or a section of its section-name strings.</item>
/// <item>Schema version: "schema version N" equals the usage stream's <c>SchemaVersion</c>, unless the sentence is about
/// history ("since", "older than", "before", "until", "was"); no doc names a version newer than the code's.</item>
/// </list>
/// </summary>
internal sealed partial class DocsCheck(CodeIndex code, int schemaVersion)
{
    /// <summary>PascalCase names the docs use that are not C# identifiers of the code. Kept short.</summary>
    internal static readonly HashSet<string> External =
    [
        "TokensPerMinute",                         // the misspelt setting the docs give as what the settings check refuses
        "VmRSS", "VmHWM",                          // fields of Linux's /proc/<pid>/status that bench/ reads
        "GlobalStandard", "DataZoneStandard",      // Azure OpenAI deployment SKU names (infra/ parameters)
        "DisableLocalAuth",                        // an Application Insights resource property
        "AzureOpenAI",                             // the npm openai package's Azure client class
        "MissingMethodException",                  // what an SDK pairing throws (docs/simulator.md's package facts)
        "ConfigurationManager",                    // Microsoft.IdentityModel's metadata cache, inside JwtBearer
        "RequestPath",                             // ASP.NET Core's per-request logging scope key, turned off
        "UnsafePreferInlineScheduling",            // a Kestrel option bench/ measured and did not keep
    ];

    /// <summary>Root namespaces of libraries: a dotted name under one names the library, not the code.</summary>
    private static readonly string[] LibraryNamespaces = ["Microsoft", "System", "Azure", "Scalar", "OpenAI", "StackExchange"];

    /// <summary>
    /// Path prefixes the docs cite that are not in this repository: run-time data (git-ignored) and files of another
    /// repository the docs quote (azd's source).
    /// </summary>
    private static readonly string[] NotInRepository = ["AppHost/.data", "Azure/azure-dev", "cli/azd/"];

    /// <summary>First segments of configuration keys: the sections the code and the AppHost read.</summary>
    private static readonly string[] Sections = ["Gateway", "Worker", "Simulator", "Cosmos", "Redis", "Telemetry", "HealthChecks", "Pricing", "Upstreams", "Infrastructure"];

    /// <summary>Folders a doc's short path may be relative to, besides the repository root and the doc's own folder.</summary>
    private static readonly string[] Bases = ["", "Api", "Accounting", "Worker", "Simulator", "AppHost", "ServiceDefaults", "tests"];

    /// <summary>Reads the code's index and its current usage schema version.</summary>
    public static DocsCheck ForRepository()
    {
        var stream = SourceFiles.Read("Accounting/Usage/UsageStream.cs");
        var version = int.Parse(VersionConstant().Match(stream).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return new DocsCheck(CodeIndex.Build(), version);
    }

    public int SchemaVersion => schemaVersion;

    /// <summary>The path <paramref name="span"/> names when no file or folder has it, else null.</summary>
    public static string? MissingPath(string doc, string span)
    {
        if (!PathShaped().IsMatch(span) || !char.IsLetter(span[0]) || IsUnder(span, NotInRepository) || span.StartsWith("text/", StringComparison.Ordinal) ||
            span.StartsWith("application/", StringComparison.Ordinal))
        {
            return null;
        }

        var docFolder = Path.GetDirectoryName(doc) ?? "";
        foreach (var root in Bases.Append(docFolder))
        {
            var path = Path.Combine(SourceFiles.Root, root, span.TrimEnd('/'));
            if (File.Exists(path) || Directory.Exists(path) || (!Path.HasExtension(span) && File.Exists(path + ".cs")))
            {
                return null;
            }
        }

        return span;
    }

    /// <summary>The names in <paramref name="span"/> the code does not declare, or null.</summary>
    public string? MissingName(string span)
    {
        var test = TestReference().Match(span);
        var text = test.Success ? test.Groups[1].Value : span;
        // Environment-style settings (Gateway__KeyHashPepper) are the settings rule's.
        if (!QualifiedName().IsMatch(text) || text.Contains("__", StringComparison.Ordinal) || (text.Contains('.', StringComparison.Ordinal) && IsUnder(text, LibraryNamespaces)))
        {
            return null;
        }

        var missing = new List<string>();
        foreach (var part in text.Split('.'))
        {
            if ((test.Success || MultiWord().IsMatch(part)) && !code.Names.Contains(part) && !External.Contains(part))
            {
                missing.Add(part);
            }
        }

        return missing.Count == 0 ? null : string.Join(", ", missing);
    }

    /// <summary>The segments of the setting <paramref name="span"/> names that no options property or section has, or null.</summary>
    public string? MissingSetting(string span)
    {
        var key = span.Split('=')[0];
        // Gateway:Clients[] is a list; Id|KeyHash and Enabled/TenantId list alternatives, each checked.
        var parts = key.Replace("__", ":", StringComparison.Ordinal).Replace("[]", "", StringComparison.Ordinal).Split([':', '|', '/']);
        var isSetting = (parts.Length > 1 && Array.IndexOf(Sections, parts[0]) >= 0) || (span.StartsWith(':') && parts.Length == 2) || span.StartsWith("...:", StringComparison.Ordinal);
        if (!isSetting || key.Contains(' ', StringComparison.Ordinal) || !(key.Contains(':', StringComparison.Ordinal) || key.Contains("__", StringComparison.Ordinal)))
        {
            return null;
        }

        var missing = new List<string>();
        foreach (var part in parts)
        {
            // Placeholders ({i}, {model}), indexes, wildcards and the "..." of an elided prefix are not names.
            if (part.Length == 0 || part.StartsWith('{') || part.StartsWith('<') || part == "*" || part == "..." || int.TryParse(part, out _))
            {
                continue;
            }

            if (!code.SettingNames.Contains(part))
            {
                missing.Add(part);
            }
        }

        return missing.Count == 0 ? null : string.Join(", ", missing);
    }

    private static bool IsUnder(string text, string[] prefixes)
    {
        foreach (var prefix in prefixes)
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The "schema version N" statements of a prose line that contradict the code's version, or null.</summary>
    public string? WrongSchemaVersion(string line)
    {
        var wrong = new List<string>();
        foreach (Match m in SchemaStatement().Matches(line))
        {
            var version = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var before = line[..m.Index];
            var sentence = before[(before.LastIndexOf(". ", StringComparison.Ordinal) + 1)..];
            var historical = HistoryWord().IsMatch(sentence) || line[(m.Index + m.Length)..].TrimStart().StartsWith("on", StringComparison.Ordinal);
            if (version > schemaVersion || (version != schemaVersion && !historical))
            {
                wrong.Add($"'{m.Value}' (the code writes version {schemaVersion})");
            }
        }

        return wrong.Count == 0 ? null : string.Join(", ", wrong);
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]*[A-Za-z0-9_\-](?:/[A-Za-z0-9_.\-]+)+/?$|^[A-Za-z0-9_.\-]+/$")]
    private static partial Regex PathShaped();

    [GeneratedRegex(@"^\w+(?:\.\w+)*\.Tests: *([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)$")]
    private static partial Regex TestReference();

    [GeneratedRegex(@"^[A-Z]\w*(?:\.[A-Z]\w*)*$")]
    private static partial Regex QualifiedName();

    /// <summary>Two words or more: a capital after a lowercase letter or digit (<c>ClientGates</c>, <c>UseV1Api</c>).</summary>
    [GeneratedRegex(@"[a-z0-9][A-Z]")]
    private static partial Regex MultiWord();

    [GeneratedRegex(@"SchemaVersion = (\d+);")]
    private static partial Regex VersionConstant();

    [GeneratedRegex(@"\bschema (?:version |v)(\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex SchemaStatement();

    [GeneratedRegex(@"\b(?:since|older|before|until|was|were|from)\b", RegexOptions.IgnoreCase)]
    private static partial Regex HistoryWord();
}
