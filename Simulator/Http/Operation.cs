namespace AspireAoai.Simulator.Http;

/// <summary>An Azure OpenAI operation as it appears in Azure's messages.</summary>
/// <param name="AzureName">As in a 429 message: <c>ChatCompletions_Create</c>.</param>
/// <param name="Word">As in an OperationNotSupported message: <c>chatCompletion</c>.</param>
/// <param name="IsEmbeddings">True for the embeddings operation.</param>
internal sealed record Operation(string AzureName, string Word, bool IsEmbeddings)
{
    public static readonly Operation Chat = new("ChatCompletions_Create", "chatCompletion", false);
    public static readonly Operation Embeddings = new("Embeddings_Create", "embeddings", true);
}
