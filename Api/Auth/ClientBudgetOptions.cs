namespace AspireAoai.Api.Auth;

/// <summary>
/// A client's spend budget (<c>Gateway:Clients:{i}:Budget</c>), checked at admission against the running spend the
/// usage writer keeps in Redis. A budget without <see cref="DailyUsd"/> or <see cref="MonthlyUsd"/> limits nothing.
/// </summary>
public sealed class ClientBudgetOptions
{
    /// <summary>The most USD the client may spend per UTC day; null = no daily budget.</summary>
    public decimal? DailyUsd { get; set; }

    /// <summary>The most USD the client may spend per UTC calendar month; null = no monthly budget.</summary>
    public decimal? MonthlyUsd { get; set; }

    /// <summary>Share of a budget (1-100 %) at which a warning is logged and counted once per period.</summary>
    public int SoftLimitPercent { get; set; } = 80;

    /// <summary>True when some limit is set.</summary>
    public bool HasLimit => DailyUsd is not null || MonthlyUsd is not null;
}
