namespace AspireAoai.Api.RateLimiting;

internal sealed class AdmitAll : IRequestAdmission
{
    public ValueTask<AdmissionDecision> AdmitAsync(GatewayRequest request, CancellationToken cancellationToken)
        => ValueTask.FromResult(AdmissionDecision.Admit);
}
