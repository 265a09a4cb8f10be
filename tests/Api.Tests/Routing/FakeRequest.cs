using AspireAoai.Api.Auth;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.Routing;
using Microsoft.AspNetCore.Http;

namespace AspireAoai.Api.Tests.Routing;

internal static class FakeRequest
{
    public static GatewayRequest For(DeploymentPool pool)
        => new(new DefaultHttpContext(), new ClientContext(new ClientOptions { Id = "c" }), OperationKind.ChatCompletions, ApiStyle.OpenAiV1,
            pool.Model, pool, ReadOnlyMemory<byte>.Empty, new ParsedRequest(), null, 0);
}
