namespace AspireAoai.Worker.Aggregation;

/// <summary>
/// The <c>costs</c> container (or its database) does not exist: it was deleted, or the server came back empty. The
/// resource initializer has been told and re-creates it (when <c>Cosmos:CreateResources</c> allows); the batch stays
/// unacknowledged and is applied once the container is back.
/// </summary>
public sealed class CostsContainerMissingException(Exception? inner = null)
    : Exception("The Cosmos DB costs container does not exist.", inner);
