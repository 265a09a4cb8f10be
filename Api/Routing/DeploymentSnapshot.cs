namespace AspireAoai.Api.Routing;

/// <summary>What the admin endpoint shows for one deployment.</summary>
public sealed record DeploymentSnapshot(
    string Name,
    string Model,
    string Deployment,
    string Region,
    string Endpoint,
    int Priority,
    int Weight,
    string Auth,
    string State,
    DateTimeOffset? CoolingUntil,
    long CooldownRemainingMs,
    long Attempts,
    long Failures,
    long Cooldowns,
    int? LastStatus,
    string? LastFailure,
    DateTimeOffset? LastFailureAt,
    int? CapacityTpm,
    int? CapacityRpm);
