namespace AspireAoai.Api.Usage;

/// <summary>Marks a request whose usage was reported, so that it is never reported twice.</summary>
internal sealed class UsageReportedFeature
{
    private static readonly UsageReportedFeature Instance = new();

    private UsageReportedFeature()
    {
    }

    /// <summary>True the first time for a request, false afterwards.</summary>
    public static bool TryMark(HttpContext context)
    {
        var features = context.Features;
        if (features.Get<UsageReportedFeature>() is not null)
        {
            return false;
        }

        features.Set(Instance);
        return true;
    }
}
