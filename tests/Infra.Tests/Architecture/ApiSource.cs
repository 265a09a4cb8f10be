using System.Text.RegularExpressions;
using AspireAoai.Infra.Tests.Docs;

namespace AspireAoai.Infra.Tests.Architecture;

/// <summary>One C# file of the Api: its folder, its code without comments and literals, and its top-level types.</summary>
internal sealed partial record ApiSource(string Path, string Folder, string Code, int Lines)
{
    /// <summary>The folder name of files at the Api root (namespace AspireAoai.Api).</summary>
    public const string Root = "(root)";

    /// <summary>Every .cs file under Api/ (not bin/ or obj/).</summary>
    public static IReadOnlyList<ApiSource> All()
    {
        var sources = new List<ApiSource>();
        foreach (var path in SourceFiles.CSharp("Api"))
        {
            var text = SourceFiles.Read(path);
            var parts = path.Split('/');
            var folder = parts.Length > 2 ? parts[1] : Root;
            sources.Add(new ApiSource(path, folder, Strip(text), text.TrimEnd('\n').Split('\n').Length));
        }

        return sources;
    }

    /// <summary>The Api folders this file names: <c>using AspireAoai.Api.X;</c> and <c>AspireAoai.Api.X.</c> references.</summary>
    /// <remarks>
    /// Inside <c>AspireAoai.Api.*</c> a folder's namespace can also be named relative to the root
    /// (<c>Responses.ResponseOwners</c>): a folder name followed by a type name, not after a dot, counts too.
    /// </remarks>
    public IEnumerable<string> Imports()
    {
        foreach (Match m in Reference().Matches(Code))
        {
            if (m.Groups[1].Value != Folder)
            {
                yield return m.Groups[1].Value;
            }
        }

        foreach (Match m in RelativeReference().Matches(Code))
        {
            var folder = m.Groups[1].Value;
            if (folder != Folder && Folders.Contains(folder))
            {
                yield return folder;
            }
        }
    }

    /// <summary>The top folders of the Api.</summary>
    public static readonly IReadOnlySet<string> Folders = FoldersOf();

    private static HashSet<string> FoldersOf()
    {
        var folders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in SourceFiles.CSharp("Api"))
        {
            var parts = path.Split('/');
            if (parts.Length > 2)
            {
                folders.Add(parts[1]);
            }
        }

        return folders;
    }

    /// <summary>
    /// The types declared at the top level of the file (inside its namespace, outside any type), with their visibility
    /// and their length in lines (declaration to closing brace, or 1 for a body-less record).
    /// </summary>
    public IEnumerable<(string Name, string Visibility, int Lines)> TopLevelTypes()
    {
        var fileScoped = FileScopedNamespace().IsMatch(Code);
        var topDepth = fileScoped ? 0 : 1;
        var depth = 0;
        var lines = Code.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (depth == topDepth && TypeDeclaration().Match(line) is { Success: true } m)
            {
                var modifiers = m.Groups[1].Value;
                var visibility = modifiers.Contains("public", StringComparison.Ordinal) ? "public"
                    : modifiers.Contains("file", StringComparison.Ordinal) ? "file" : "internal";
                yield return (m.Groups[2].Value, visibility, Length(lines, i));
            }

            depth += Count(line, '{') - Count(line, '}');
        }
    }

    /// <summary>Lines from a declaration at <paramref name="start"/> to the line where its braces close again.</summary>
    private static int Length(string[] lines, int start)
    {
        var open = false;
        var depth = 0;
        for (var i = start; i < lines.Length; i++)
        {
            open |= lines[i].Contains('{', StringComparison.Ordinal);
            depth += Count(lines[i], '{') - Count(lines[i], '}');
            if ((!open && lines[i].TrimEnd().EndsWith(';')) || (open && depth <= 0))
            {
                return i - start + 1;
            }
        }

        return lines.Length - start;
    }

    private static int Count(string line, char c)
    {
        var n = 0;
        foreach (var ch in line)
        {
            n += ch == c ? 1 : 0;
        }

        return n;
    }

    /// <summary>The file without comments and string or char literals (so braces and names in them do not count).</summary>
    private static string Strip(string text)
    {
        text = RawString().Replace(text, m => new string('\n', Count(m.Value, '\n')));
        text = VerbatimString().Replace(text, m => "\"\"" + new string('\n', Count(m.Value, '\n')));
        text = BlockComment().Replace(text, m => new string('\n', Count(m.Value, '\n')));
        text = LineComment().Replace(text, "");
        text = RegularString().Replace(text, "\"\"");
        return CharLiteral().Replace(text, "' '");
    }

    [GeneratedRegex(@"\bAspireAoai\.Api\.([A-Za-z_]\w*)\b(?=\s*;|\.)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"(?<![\w.])([A-Z]\w*)\.[A-Z]\w*")]
    private static partial Regex RelativeReference();

    [GeneratedRegex(@"^\s*namespace\s+[\w.]+\s*;", RegexOptions.Multiline)]
    private static partial Regex FileScopedNamespace();

    [GeneratedRegex(@"^\s*(?:\[[^\]]*\]\s*)*((?:(?:public|internal|private|protected|file|static|sealed|abstract|partial|readonly|ref|unsafe|new)\s+)*)(?:class|struct|interface|enum|record(?:\s+struct|\s+class)?|delegate\s+[\w<>\[\]?,\s]+?)\s+([A-Za-z_]\w*)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex("\"\"\".*?\"\"\"", RegexOptions.Singleline)]
    private static partial Regex RawString();

    [GeneratedRegex("@\"(?:[^\"]|\"\")*\"")]
    private static partial Regex VerbatimString();

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex("\"(?:[^\"\\\\\\n]|\\\\.)*\"")]
    private static partial Regex RegularString();

    [GeneratedRegex(@"'(?:[^'\\\n]|\\.)'")]
    private static partial Regex CharLiteral();
}
