using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Caching;

/// <summary>Fails the start with messages that name the configuration key.</summary>
internal sealed partial class CacheOptionsValidator : IValidateOptions<CacheOptions>
{
    /// <summary>Largest entry: a Cosmos DB item is at most 2 MB, and the body is stored as an escaped JSON string.</summary>
    public const int MaxEntryBytesLimit = 1536 * 1024;

    private static readonly TimeSpan MaxTtlLimit = TimeSpan.FromDays(365);

    public ValidateOptionsResult Validate(string? name, CacheOptions o)
    {
        var errors = new List<string>();
        const string s = CacheOptions.SectionName;
        if (o.MaxTtl < TimeSpan.FromSeconds(1) || o.MaxTtl > MaxTtlLimit)
        {
            errors.Add($"{s}:MaxTtl must be between 00:00:01 and 365.00:00:00.");
        }

        CheckTtl(errors, $"{s}:DefaultTtl", o.DefaultTtl, o.MaxTtl);
        if (o.LookupTimeoutMs is < 1 or > 10_000)
        {
            errors.Add($"{s}:LookupTimeoutMs must be between 1 and 10000.");
        }

        CheckNamespace(errors, $"{s}:SharedNamespace", o.SharedNamespace);
        if (o.MaxEntryBytes < 1024 || o.MaxEntryBytes > MaxEntryBytesLimit)
        {
            errors.Add($"{s}:MaxEntryBytes must be between 1024 and {MaxEntryBytesLimit}.");
        }

        if (o.MemoryMaxBytes is < 0 or > 64L * 1024 * 1024 * 1024)
        {
            errors.Add($"{s}:MemoryMaxBytes must be between 0 (off) and 68719476736 (64 GiB).");
        }

        if (o.CoalesceWaitMs is < 1 or > 600_000)
        {
            errors.Add($"{s}:CoalesceWaitMs must be between 1 and 600000.");
        }

        if (o.WriteQueueCapacity is < 1 or > 100_000)
        {
            errors.Add($"{s}:WriteQueueCapacity must be between 1 and 100000.");
        }

        if (o.WriteTimeoutMs is < 100 or > 60_000)
        {
            errors.Add($"{s}:WriteTimeoutMs must be between 100 and 60000.");
        }

        if (o.FailureThreshold is < 1 or > 1000)
        {
            errors.Add($"{s}:FailureThreshold must be between 1 and 1000.");
        }

        if (o.BreakDuration < TimeSpan.FromMilliseconds(100) || o.BreakDuration > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{s}:BreakDuration must be between 00:00:00.1 and 00:10:00.");
        }

        foreach (var (clientId, c) in o.Clients)
        {
            var key = $"{s}:Clients:{clientId}";
            if (c is null)
            {
                continue;
            }

            if (c.DefaultTtl is { } ttl)
            {
                CheckTtl(errors, $"{key}:DefaultTtl", ttl, o.MaxTtl);
            }

            CheckNamespace(errors, $"{key}:SharedNamespace", c.SharedNamespace);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckTtl(List<string> errors, string key, TimeSpan ttl, TimeSpan max)
    {
        if (ttl < TimeSpan.FromSeconds(1) || ttl > max)
        {
            errors.Add($"{key} must be between 00:00:01 and MaxTtl ({max}); write a day as 1.00:00:00 (24:00:00 means 24 days).");
        }
    }

    private static void CheckNamespace(List<string> errors, string key, string? value)
    {
        if (value is not null && !NamespacePattern().IsMatch(value))
        {
            errors.Add($"{key} must be 1-64 characters of letters, digits, '.', '_' or '-'.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamespacePattern();
}
