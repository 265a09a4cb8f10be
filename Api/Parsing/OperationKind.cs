namespace AspireAoai.Api.Parsing;

/// <summary>The upstream operation a request asks for.</summary>
public enum OperationKind
{
    ChatCompletions,
    Embeddings,
}

/// <summary>How the client addressed the gateway.</summary>
public enum ApiStyle
{
    /// <summary><c>/openai/deployments/{name}/...?api-version=</c>: the route names the pool.</summary>
    AzureDeployment,

    /// <summary><c>/v1/...</c> or <c>/openai/v1/...</c>: the body's <c>model</c> names the pool.</summary>
    OpenAiV1,
}

internal static class OperationNames
{
    /// <summary>Value of <c>gen_ai.operation.name</c>.</summary>
    public static string GenAiName(this OperationKind kind) => kind == OperationKind.Embeddings ? "embeddings" : "chat";
}
