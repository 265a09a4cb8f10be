using AspireAoai.Accounting.Usage;

namespace AspireAoai.Api.Usage;

/// <summary>
/// An event waiting to be written, with its cost (null when unpriced), the budget group whose spend it adds to, and the
/// budget reservation its write releases.
/// </summary>
internal readonly record struct PendingUsage(UsageEvent Event, decimal? Cost)
{
    public string? Group { get; init; }

    public Reservation? Reservation { get; init; }
}
