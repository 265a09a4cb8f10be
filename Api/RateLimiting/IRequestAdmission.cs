namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Seam for rate limits and budgets: decides, before routing, whether a request may go upstream. The
/// rate-limiting feature replaces the default, which admits everything.
/// </summary>
public interface IRequestAdmission
{
    /// <summary>Admits or rejects <paramref name="request"/>; usually one Redis round trip.</summary>
    ValueTask<AdmissionDecision> AdmitAsync(GatewayRequest request, CancellationToken cancellationToken);
}
