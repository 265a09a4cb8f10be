namespace AspireAoai.Api.Parsing;

/// <summary>The upstream operation a request asks for.</summary>
public enum OperationKind
{
    ChatCompletions,
    Embeddings,

    /// <summary>A Responses API create (<c>POST /responses</c>).</summary>
    Responses,

    /// <summary>A request about a stored response (get, delete, cancel, input items): counted as a request, carries no tokens.</summary>
    ResponsesFollowUp,
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
    /// <summary>
    /// Value of <c>gen_ai.operation.name</c>. A Responses create is <c>chat</c> as the OpenAI semantic conventions say;
    /// its spans carry <c>openai.api.type</c> = <c>responses</c> to tell it apart.
    /// </summary>
    public static string GenAiName(this OperationKind kind) => kind == OperationKind.Embeddings ? "embeddings" : "chat";

    /// <summary>True for the operations that generate output tokens (chat, a Responses create).</summary>
    public static bool GeneratesOutput(this OperationKind kind) => kind is OperationKind.ChatCompletions or OperationKind.Responses;
}
