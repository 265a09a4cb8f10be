using System.Text.RegularExpressions;

namespace AspireAoai.Infra.Tests.Docs;

/// <summary>The docs the check reads and their code spans (<c>`...`</c>) outside fenced blocks, with line numbers.</summary>
internal static partial class DocFiles
{
    /// <summary>README.md, docs/*.md and bench/README.md, repository-relative.</summary>
    public static IEnumerable<string> All()
    {
        yield return "README.md";
        foreach (var file in Directory.EnumerateFiles(Path.Combine(SourceFiles.Root, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            yield return "docs/" + Path.GetFileName(file);
        }

        yield return "bench/README.md";
    }

    /// <summary>Each line outside fenced code blocks, numbered from 1.</summary>
    public static IEnumerable<(int Line, string Text)> Prose(string doc)
    {
        var lines = SourceFiles.Read(doc).Split('\n');
        var fenced = false;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }

            if (!fenced)
            {
                yield return (i + 1, lines[i]);
            }
        }
    }

    /// <summary>The inline code spans of <paramref name="doc"/>, trimmed.</summary>
    public static IEnumerable<(int Line, string Span)> Spans(string doc)
    {
        foreach (var (line, text) in Prose(doc))
        {
            foreach (Match m in Span().Matches(text))
            {
                yield return (line, m.Groups[1].Value.Trim());
            }
        }
    }

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex Span();
}
