using System.Collections.Frozen;
using AspireAoai.Simulator.Configuration;
using Microsoft.Extensions.Options;

namespace AspireAoai.Simulator.Deployments;

/// <summary>What the simulator knows about one deployment.</summary>
/// <param name="Name">The deployment name in the URL (or <c>model</c> on the v1 routes).</param>
/// <param name="Model">The model version reported in responses.</param>
/// <param name="IsEmbeddings">True for an embeddings deployment, false for chat.</param>
/// <param name="Tpm">Tokens per minute.</param>
/// <param name="Rpm">Requests per minute.</param>
/// <param name="MinApiVersion">The oldest dated api-version accepted; null = any.</param>
/// <param name="ReasoningTokens">Hidden reasoning tokens per chat answer (billed as output).</param>
public sealed record Deployment(string Name, string Model, bool IsEmbeddings, int Tpm, int Rpm, string? MinApiVersion = null, int ReasoningTokens = 0)
{
    /// <summary>True for a dated api-version older than <see cref="MinApiVersion"/> (compared by its date).</summary>
    public bool RefusesApiVersion(string apiVersion)
        => MinApiVersion is { Length: >= 10 } min && apiVersion.Length >= 10 && char.IsAsciiDigit(apiVersion[0])
           && string.CompareOrdinal(apiVersion, 0, min, 0, 10) < 0;

    /// <summary>The <c>system_fingerprint</c> Azure reports for this model: stable per model.</summary>
    public string SystemFingerprint { get; } = "fp_" + Convert.ToHexStringLower(
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Model)))[..10];
}

/// <summary>The configured deployments, looked up by name (case-insensitive, as Azure does).</summary>
public sealed class DeploymentCatalog
{
    private readonly FrozenDictionary<string, Deployment> _byName;

    public DeploymentCatalog(IOptions<SimulatorOptions> options)
    {
        var all = new List<Deployment>();
        foreach (var d in options.Value.Deployments)
        {
            all.Add(new Deployment(d.Name, d.Model ?? d.Name, d.Kind == DeploymentDefaults.Embeddings, d.Tpm, d.Rpm, d.MinApiVersion, Math.Max(0, d.ReasoningTokens)));
        }

        All = all;
        _byName = all.ToFrozenDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<Deployment> All { get; }

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Deployment? deployment) =>
        _byName.TryGetValue(name, out deployment);
}
