using AspireAoai.Api;
using AspireAoai.Api.Forwarding;

SocketCompletions.PreferInline();
GatewayApp.Build(args).Run();
