using AspireAoai.Bench.NaiveProxy;

// Usage: dotnet NaiveProxy.dll --urls http://127.0.0.1:P --Proxy:Upstream=http://127.0.0.1:U [--Proxy:Redis=127.0.0.1:R]
// Without Proxy:Redis it is the bare proxy; with it, every request also awaits one EVALSHA and one XADD.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddConsole();
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var options = ProxyOptions.From(builder.Configuration);
builder.Services.AddSingleton(options);
builder.Services.AddSingleton<NaiveForwarder>();
if (options.Redis is not null)
{
    builder.Services.AddSingleton(await RedisBookkeeping.ConnectAsync(options.Redis));
}

var app = builder.Build();
var forwarder = app.Services.GetRequiredService<NaiveForwarder>();
var bookkeeping = app.Services.GetService<RedisBookkeeping>();
app.Run(context => forwarder.ForwardAsync(context, bookkeeping));
app.Run();
