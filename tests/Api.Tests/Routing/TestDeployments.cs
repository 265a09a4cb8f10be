using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Tests.Routing;

internal static class TestDeployments
{
    public static Deployment Create(string name, int priority = 1, int weight = 1, string model = "gpt-4o")
        => new(new DeploymentOptions
        {
            Name = name,
            Endpoint = $"http://{name}.example/",
            Deployment = "gpt-4o",
            Model = model,
            Priority = priority,
            Weight = weight,
            ApiKey = "k",
        }, new ApiKeyAuthenticator("k"), "2024-10-21");

    public static DeploymentPool Pool(params Deployment[] deployments) => new("gpt-4o", deployments);
}
