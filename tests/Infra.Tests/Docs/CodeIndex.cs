using System.Text.RegularExpressions;

namespace AspireAoai.Infra.Tests.Docs;

/// <summary>
/// The names the repository's C# code has: every identifier of its code (comments and string literals removed), so a
/// type or member it declares and a library type it uses (<c>TimeProvider</c>) are both known; and, for settings, the
/// names it declares as members (properties, parameters of records) and the segments of its configuration section
/// strings (<c>"Gateway:Cache"</c>). Read from source with regular expressions, not a compiler's view, which is enough
/// to tell a doc's name that exists from one that does not: a deleted type leaves no identifier behind (or the build
/// fails).
/// </summary>
internal sealed partial class CodeIndex
{
    /// <summary>Words that make "word Name(" a use, not a declaration (<c>new Foo(</c>, <c>return Bar(</c>).</summary>
    private static readonly HashSet<string> NotATypeBefore = ["new", "return", "await", "throw", "typeof", "nameof", "is", "as", "in", "else", "case", "when", "and", "or", "not", "using"];

    /// <summary>Every identifier of the code (case-sensitive).</summary>
    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

    /// <summary>Configuration section segments and declared member names, compared case-insensitively as the binder does.</summary>
    public HashSet<string> SettingNames { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static CodeIndex Build()
    {
        var index = new CodeIndex();
        foreach (var file in SourceFiles.CSharp())
        {
            // The docs check's own tests name missing things on purpose.
            if (!file.StartsWith("tests/Infra.Tests/Docs/", StringComparison.Ordinal))
            {
                index.Add(SourceFiles.Read(file));
            }
        }

        return index;
    }

    private void Add(string source)
    {
        foreach (Match m in SectionString().Matches(source))
        {
            foreach (var part in m.Groups[1].Value.Split(':'))
            {
                SettingNames.Add(part);
            }
        }

        foreach (Match m in KeyName().Matches(source))
        {
            SettingNames.Add(m.Groups[1].Value);
        }

        var code = StringLiteral().Replace(Comment().Replace(source, ""), "\"\"");
        foreach (Match m in Identifier().Matches(code))
        {
            Names.Add(m.Value);
        }

        foreach (Match m in MemberDeclaration().Matches(code))
        {
            if (!NotATypeBefore.Contains(m.Groups[1].Value))
            {
                SettingNames.Add(m.Groups[2].Value);
            }
        }
    }

    [GeneratedRegex(@"""([A-Z][A-Za-z0-9]*(?::[A-Z][A-Za-z0-9]*)*)""")]
    private static partial Regex SectionString();

    [GeneratedRegex(@"ConfigurationKeyName\(""(\w+)""\)")]
    private static partial Regex KeyName();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"@?""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\b[A-Za-z_]\w*")]
    private static partial Regex Identifier();

    /// <summary>"Type Name" followed by what follows a declared name: a body, a parameter list, an initializer or an end.</summary>
    [GeneratedRegex(@"([\w>\]?)]+)\s+([A-Za-z_]\w*)\s*(?:<[^<>()]*>\s*)?(?:\{|=>|\(|=|;|,|\))")]
    private static partial Regex MemberDeclaration();
}
