var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAoaiRedis();
builder.AddAoaiCosmos();
builder.AddCostAggregation();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
