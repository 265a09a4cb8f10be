namespace AspireAoai.Api.Parsing;

/// <summary>Outcome of reading a request body.</summary>
public enum BodyReadStatus
{
    Ok,
    UnsupportedMediaType,
    TooLarge,
    Empty,
    Malformed,

    /// <summary>The body came slower than <c>Gateway:MinRequestBodyBytesPerSecond</c> or took longer than <c>Gateway:RequestBodyTimeout</c>.</summary>
    TimedOut,
}
