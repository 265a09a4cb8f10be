namespace AspireAoai.Infra.Tests.Architecture;

/// <summary>
/// Today's structure violations of the Api (see <see cref="StructureTests"/>): known, so the tests pass while the
/// folders are reorganised, and to be removed one by one as each is fixed. A violation not listed here fails.
/// </summary>
internal static class StructureViolations
{
    /// <summary>Pairs of folders that import each other.</summary>
    public static readonly IReadOnlySet<string> MutualImports = new HashSet<string>
    {
    };

    /// <summary>Files of 350 lines or more.</summary>
    public static readonly IReadOnlySet<string> LongFiles = new HashSet<string>
    {
        // Being split (issue 18).
        "Api/Answers/ResponseObserver.cs",
    };

    /// <summary>Types over 10 lines in a file named otherwise ("path: Type").</summary>
    public static readonly IReadOnlySet<string> TypesInOtherFiles = new HashSet<string>
    {
    };
}
