namespace AspireAoai.AppHost.Infrastructure;

/// <summary>
/// Where the local-process infrastructure keeps its data between runs: <c>Infrastructure:DataDirectory</c>, by default
/// <c>AppHost/.data</c> (git-ignored): <c>redis/</c> holds redis-server's append-only file, <c>cosmos/</c> the local
/// Cosmos server's <c>cosmos-data.json</c>. Delete the folder while the AppHost is stopped to start from nothing.
/// </summary>
internal static class LocalData
{
    public const string ConfigurationKey = "Infrastructure:DataDirectory";

    public static string Directory(IDistributedApplicationBuilder builder)
    {
        var configured = builder.Configuration[ConfigurationKey];
        return Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? Path.Combine(builder.AppHostDirectory, ".data") : configured);
    }
}
