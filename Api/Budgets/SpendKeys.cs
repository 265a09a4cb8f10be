using System.Globalization;

namespace AspireAoai.Api.Budgets;

/// <summary>Redis keys of the running spend budgets are checked against.</summary>
public static class SpendKeys
{
    /// <summary>Spend is counted in picodollars (1e-12 USD): integers, exact for any listed price.</summary>
    public const decimal PicodollarsPerDollar = 1_000_000_000_000m;

    public static string Day(string clientId, DateTime utc) =>
        string.Create(CultureInfo.InvariantCulture, $"aoai:spend:{clientId}:{utc:yyyy-MM-dd}");

    public static string Month(string clientId, DateTime utc) =>
        string.Create(CultureInfo.InvariantCulture, $"aoai:spend:{clientId}:{utc:yyyy-MM}");

    /// <summary>A budget group's spend of a UTC day (a prefix of its own, so no client id can name it).</summary>
    public static string GroupDay(string groupId, DateTime utc) =>
        string.Create(CultureInfo.InvariantCulture, $"aoai:gspend:{groupId}:{utc:yyyy-MM-dd}");

    public static string GroupMonth(string groupId, DateTime utc) =>
        string.Create(CultureInfo.InvariantCulture, $"aoai:gspend:{groupId}:{utc:yyyy-MM}");

    /// <summary>A client's in-flight reservations: a hash of expiry buckets (see the admission script).</summary>
    public static string Reservations(string clientId) => "aoai:resv:" + clientId;

    /// <summary>A budget group's in-flight reservations.</summary>
    public static string GroupReservations(string groupId) => "aoai:gresv:" + groupId;

    /// <summary>USD to picodollars, rounded up so a budget is never under-charged.</summary>
    public static long ToPicodollars(decimal usd) => (long)decimal.Ceiling(usd * PicodollarsPerDollar);

    public static decimal ToDollars(long picodollars) => picodollars / PicodollarsPerDollar;
}
