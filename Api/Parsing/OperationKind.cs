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
