using AspireAoai.AppHost;
using AspireAoai.AppHost.Dashboard;
using AspireAoai.AppHost.Infrastructure;
using AspireAoai.AppHost.Upstreams;

var builder = DistributedApplication.CreateBuilder(args);

var mode = InfrastructureModeDetector.Detect(builder.Configuration);
var redis = builder.AddAoaiRedis("redis", mode);
var cosmos = builder.AddAoaiCosmos("cosmos", mode);

var api = builder.AddProject<Projects.Api>("api")
    // Tier-up at once rather than after 100 ms without new JIT work (docs/gateway.md, "A new replica's first seconds").
    .WithEnvironment("DOTNET_TC_CallCountingDelayMs", "0")
    .WithReference(redis).WaitFor(redis)
    .WithReference(cosmos).WaitFor(cosmos)
    .WithUpstreams(builder)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints()
    .WithReadyBanner()
    .WithOperatorCommands(builder.Configuration);

builder.AddProject<Projects.Worker>("worker")
    .WithReference(redis).WaitFor(redis)
    .WithReference(cosmos).WaitFor(cosmos)
    .WithHttpHealthCheck("/health");

builder.Build().Run();
