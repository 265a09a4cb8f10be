namespace AspireAoai.Infra.Tests.Architecture;

/// <summary>
/// Today's structure violations of the Api (see <see cref="StructureTests"/>): known, so the tests pass while the
/// folders are reorganised, and to be removed one by one as each is fixed. A violation not listed here fails.
/// </summary>
internal static class StructureViolations
{
    /// <summary>Pairs of folders that import each other.</summary>
    public static readonly IReadOnlySet<string> MutualImports = new HashSet<string>
    {
        // Edges both ways today (issue 18 names Routing <-> Forwarding and Forwarding -> Apis); the folder moves of its
        // deliverable 2, done after the merge, remove them.
        "Apis <-> Forwarding",
        "Apis <-> Responses",
        "Budgets <-> Usage",
        "Forwarding <-> Routing",
    };

    /// <summary>Files of 350 lines or more.</summary>
    public static readonly IReadOnlySet<string> LongFiles = new HashSet<string>
    {
        // Split by the RateLimiting, Forwarding and Telemetry work of issue 18 (deliverables 1 to 3).
        "Api/Forwarding/UpstreamForwarder.Relay.cs",
        "Api/Forwarding/UpstreamForwarder.cs",
        "Api/RateLimiting/ClientLimiter.cs",
        "Api/RateLimiting/SlidingWindowScript.cs",
        "Api/Telemetry/ResponseObserver.cs",
    };

    /// <summary>Types over 10 lines in a file named otherwise ("path: Type").</summary>
    public static readonly IReadOnlySet<string> TypesInOtherFiles = new HashSet<string>
    {
        // In folders other branches of issue 18 change (Budgets, Caching, Forwarding, RateLimiting, Responses, Routing,
        // Usage); Auth, Parsing, Hosting, Configuration and ApiDocs were split on wip/docs.
        "Api/Budgets/BudgetOptions.cs: BudgetGroupOptions",
        "Api/Budgets/BudgetOptions.cs: BudgetGroupsOptionsValidator",
        "Api/Budgets/BudgetOptions.cs: BudgetOptionsValidator",
        "Api/Budgets/UsageRecords.cs: CosmosUsageRecords",
        "Api/Budgets/UsageReport.cs: LiveSpend",
        "Api/Budgets/UsageReport.cs: UsageLine",
        "Api/Budgets/UsageReport.cs: UsageSum",
        "Api/Budgets/UsageReport.cs: UsageTotals",
        "Api/Caching/CacheOptions.cs: ClientCacheOptions",
        "Api/Caching/CachePolicy.cs: CacheRequest",
        "Api/Caching/CacheWriteQueue.cs: CacheWrite",
        "Api/Caching/CaptureBodyFeature.cs: ResponseCapture",
        "Api/Forwarding/IUpstreamAuthenticator.cs: ManagedIdentityAuthenticator",
        "Api/RateLimiting/ClientLease.cs: LeaseMeter",
        "Api/RateLimiting/IRequestAdmission.cs: AdmissionDecision",
        "Api/RateLimiting/LimitCatalog.cs: ClientLimits",
        "Api/RateLimiting/LimitCatalog.cs: DeploymentLimits",
        "Api/RateLimiting/RateLimitOptions.cs: ClientRateLimitOptions",
        "Api/RateLimiting/RateLimitOptionsValidator.cs: ClientRateLimitsOptionsValidator",
        "Api/RateLimiting/ClientLimiter.cs: LimitResult",
        "Api/RateLimiting/ClientLimiter.cs: LimitSource",
        "Api/Responses/ResponseAffinity.cs: IResponseAffinityStore",
        "Api/Responses/ResponseAffinity.cs: MemoryResponseAffinityStore",
        "Api/Responses/ResponseAffinity.cs: RedisResponseAffinityStore",
        "Api/Routing/Deployment.cs: DeploymentSnapshot",
        "Api/Routing/DeploymentOptions.cs: UpstreamOptions",
        "Api/Routing/RoutingOptionsValidator.cs: UpstreamOptionsValidator",
        "Api/Usage/IUsageReporter.cs: UsageRecord",
        "Api/Usage/UsageAppendScript.cs: SpendKeys",
        "Api/Usage/UsagePricer.cs: CostHeaders",
    };
}
