using Azure.Core;
using AspireAoai.ServiceDefaults.Redis;
using AspireAoai.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace AspireAoai.Infra.Tests.Redis;

/// <summary>
/// Token refresh against a real redis-server whose ACL users stand in for Entra ID principals: each token is the password
/// of the user named by its oid, the way Azure Redis maps a token to its object id.
/// </summary>
public sealed class EntraIdReauthenticationTests : IAsyncLifetime
{
    private const string AdminPassword = "admin-password-for-tests";
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _admin = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        using (var bootstrap = await ConnectionMultiplexer.ConnectAsync($"{_redis.ConnectionString},allowAdmin=true"))
        {
            await bootstrap.GetDatabase().ExecuteAsync("ACL", "SETUSER", "admin", "on", $">{AdminPassword}", "~*", "&*", "+@all");
        }

        _admin = await ConnectionMultiplexer.ConnectAsync($"{_redis.ConnectionString},allowAdmin=true,user=admin,password={AdminPassword}");
        // From here on only the ACL users below get in.
        await Acl("SETUSER", "default", "off");
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task BeforeTheTokenExpires_LiveConnectionsAreReauthenticated_AndReconnectsUseTheNewToken()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var first = TestTokens.ForObjectId("principal-one", "1");
        var second = TestTokens.ForObjectId("principal-two", "2");
        await Acl("SETUSER", "principal-one", "on", $">{first}", "~*", "&*", "+@all");
        await Acl("SETUSER", "principal-two", "on", $">{second}", "~*", "&*", "+@all");
        var credential = new QueuedCredential(
            () => new AccessToken(first, time.GetUtcNow().AddHours(1)),
            () => new AccessToken(second, time.GetUtcNow().AddHours(2)));

        using var host = Build(credential, time);
        var redis = host.Services.GetRequiredService<IConnectionMultiplexer>();
        var db = redis.GetDatabase();
        Assert.Equal("principal-one", (string?)await db.ExecuteAsync("ACL", "WHOAMI"));

        // Five minutes before expiry the authenticator fetches the next token and sends AUTH on the live connection.
        time.Advance(TimeSpan.FromMinutes(55));
        await WaitUntil(async () => (string?)await db.ExecuteAsync("ACL", "WHOAMI") == "principal-two");
        Assert.Equal(2, credential.Requests);

        // The old token stops working; a dropped connection comes back with the new one.
        await Acl("SETUSER", "principal-one", "off");
        await _admin.GetServer(_redis.ConnectionString).ExecuteAsync("CLIENT", "KILL", "USER", "principal-two");
        await WaitUntil(async () =>
        {
            try
            {
                return (string?)await db.ExecuteAsync("ACL", "WHOAMI") == "principal-two";
            }
            catch (RedisException)
            {
                return false;
            }
        });
    }

    [Fact]
    public async Task WithoutTheRefresher_TheOldIdentityWouldStay_SoTheTestAboveCanFail()
    {
        // Control: with no time passing nothing is refreshed and the connection keeps the first principal.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var first = TestTokens.ForObjectId("principal-three", "3");
        await Acl("SETUSER", "principal-three", "on", $">{first}", "~*", "&*", "+@all");
        var credential = new QueuedCredential(() => new AccessToken(first, time.GetUtcNow().AddHours(1)));

        using var host = Build(credential, time);
        var db = host.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

        time.Advance(TimeSpan.FromMinutes(54));
        await Task.Delay(200);

        Assert.Equal("principal-three", (string?)await db.ExecuteAsync("ACL", "WHOAMI"));
        Assert.Equal(1, credential.Requests);
    }

    private IHost Build(TokenCredential credential, TimeProvider time)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = $"{_redis.ConnectionString},abortConnect=false",
            ["Redis:UseEntraId"] = "true",
            ["Redis:TimeoutMs"] = "2000",
        });
        builder.Services.AddSingleton(time);
        builder.Services.AddKeyedSingleton(AoaiRedisExtensions.CredentialServiceKey, credential);
        builder.AddAoaiRedis();
        return builder.Build();
    }

    private Task<RedisResult> Acl(params object[] args) => _admin.GetDatabase().ExecuteAsync("ACL", args);

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 15 s");
            await Task.Delay(100);
        }
    }
}
