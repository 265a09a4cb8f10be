using System.Collections.Frozen;

namespace AspireAoai.Api.Auth;

/// <summary>
/// An authenticated client and its settings. Later features (rate limits, budgets) read their own settings
/// from <see cref="Options"/>.
/// </summary>
public sealed class ClientContext
{
    private readonly FrozenSet<string> _allowedModels;

    internal ClientContext(ClientOptions options)
    {
        Id = options.Id;
        Options = options;
        _allowedModels = options.AllowedModels.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The client id: safe to log and to use as a partition key.</summary>
    public string Id { get; }

    /// <summary>The client's configuration section.</summary>
    public ClientOptions Options { get; }

    /// <summary>True when the client may call the pool of <paramref name="model"/> (asked for as <paramref name="requested"/>).</summary>
    public bool MayUse(string model, string requested)
        => _allowedModels.Count == 0 || _allowedModels.Contains(model) || _allowedModels.Contains(requested);
}
