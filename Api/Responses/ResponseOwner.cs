namespace AspireAoai.Api.Responses;

/// <summary>Who made a stored response: the deployment (its Azure resource keeps it) and the client that owns it.</summary>
public readonly record struct ResponseOwner(string Deployment, string ClientId);
