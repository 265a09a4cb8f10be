using AspireAoai.Api.Caching;

namespace AspireAoai.Api.Tests.Caching;

public sealed class CacheOptionsValidatorTests
{
    private static IReadOnlyList<string> Errors(Action<CacheOptions> configure)
    {
        var options = new CacheOptions();
        configure(options);
        var result = new CacheOptionsValidator().Validate(null, options);
        return result.Failed ? result.Failures!.ToList() : [];
    }

    [Fact]
    public void Validate_AcceptsTheDefaults() => Assert.Empty(Errors(_ => { }));

    [Theory]
    [InlineData("LookupTimeoutMs", "Gateway:Cache:LookupTimeoutMs")]
    [InlineData("MaxEntryBytes", "Gateway:Cache:MaxEntryBytes")]
    [InlineData("DefaultTtl", "Gateway:Cache:DefaultTtl")]
    [InlineData("SharedNamespace", "Gateway:Cache:SharedNamespace")]
    [InlineData("WriteQueueCapacity", "Gateway:Cache:WriteQueueCapacity")]
    [InlineData("ClientTtl", "Gateway:Cache:Clients:acme:DefaultTtl")]
    public void Validate_NamesTheKeyOfABadValue(string field, string key)
    {
        var errors = Errors(o =>
        {
            switch (field)
            {
                case "LookupTimeoutMs": o.LookupTimeoutMs = 0; break;
                case "MaxEntryBytes": o.MaxEntryBytes = 3 * 1024 * 1024; break;
                case "DefaultTtl": o.DefaultTtl = TimeSpan.FromDays(24); break; // "24:00:00" binds to 24 days
                case "SharedNamespace": o.SharedNamespace = "a/b"; break;
                case "WriteQueueCapacity": o.WriteQueueCapacity = 0; break;
                case "ClientTtl": o.Clients["acme"] = new ClientCacheOptions { DefaultTtl = TimeSpan.Zero }; break;
            }
        });

        Assert.Single(errors);
        Assert.StartsWith(key + " ", errors[0], StringComparison.Ordinal);
    }
}
