namespace AspireAoai.Api.Parsing;

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
