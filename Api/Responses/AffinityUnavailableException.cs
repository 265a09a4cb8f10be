namespace AspireAoai.Api.Responses;

/// <summary>The affinity store could not be read or written (Redis down): the follow-up is answered 503, never guessed.</summary>
public sealed class AffinityUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
