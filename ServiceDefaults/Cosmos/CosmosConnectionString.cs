using System.Data.Common;

namespace AspireAoai.ServiceDefaults.Cosmos;

/// <summary>
/// The two shapes <c>ConnectionStrings:cosmos</c> takes: <c>AccountEndpoint=...;AccountKey=...;</c> (emulator,
/// local server, key auth) or an endpoint URL alone (Azure, managed identity).
/// </summary>
public sealed record CosmosConnectionString(Uri Endpoint, string? AccountKey)
{
    /// <summary>Whether the endpoint is this machine: the emulator or the local server.</summary>
    public bool IsLocal => Endpoint.IsLoopback || Endpoint.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses either shape; throws <see cref="InvalidOperationException"/> naming the key when it is neither.</summary>
    public static CosmosConnectionString Parse(string? value, string connectionName)
    {
        var key = $"ConnectionStrings:{connectionName}";
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{key} is not set: give 'AccountEndpoint=...;AccountKey=...;' or the account endpoint URL (managed identity).");
        }

        if (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var bare) && IsHttp(bare))
        {
            return new CosmosConnectionString(bare, null);
        }

        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = value;
        }
        catch (ArgumentException)
        {
            throw new InvalidOperationException($"{key} is not a valid connection string.");
        }

        if (!builder.TryGetValue("AccountEndpoint", out var endpointValue)
            || !Uri.TryCreate(endpointValue as string, UriKind.Absolute, out var endpoint)
            || !IsHttp(endpoint))
        {
            throw new InvalidOperationException($"{key} has no valid AccountEndpoint (an http or https URL).");
        }

        var accountKey = builder.TryGetValue("AccountKey", out var k) && k is string s && s.Length > 0 ? s : null;
        return new CosmosConnectionString(endpoint, accountKey);
    }

    private static bool IsHttp(Uri uri) => uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps;

    /// <summary>Never print the key.</summary>
    public override string ToString() => $"{Endpoint} ({(AccountKey is null ? "managed identity" : "key")})";
}
