using AspireAoai.Api;

GatewayApp.Build(args).Run();
