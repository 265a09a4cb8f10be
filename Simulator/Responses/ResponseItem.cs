using System.Security.Cryptography;
using AspireAoai.Simulator.Chat;

namespace AspireAoai.Simulator.Responses;

/// <summary>The kinds of conversation item the simulator reads and writes.</summary>
internal enum ResponseItemKind
{
    Message,
    FunctionCall,
    FunctionCallOutput,
}

/// <summary>
/// One item of a Responses conversation: an input the caller sent, or an output the simulator made. Items are
/// immutable once made, so a stored response and the conversations chained onto it share them.
/// </summary>
/// <param name="Kind">Message, function call or function call output.</param>
/// <param name="Id"><c>msg_...</c> or <c>fc_...</c>, as upstream names them.</param>
/// <param name="Role">A message's role; <c>assistant</c> for a function call, <c>tool</c> for its output (token counting only).</param>
/// <param name="Text">What the model reads: a message's text parts, a call's name and arguments, a call output's text.</param>
/// <param name="ContentJson">A message's <c>content</c> array as it is echoed (input parts as sent, or the output_text part).</param>
/// <param name="CallId">The <c>call_id</c> of a function call or its output.</param>
/// <param name="Name">A function call's function name.</param>
/// <param name="Arguments">A function call's arguments (a JSON text).</param>
/// <param name="OutputJson">A function call output's <c>output</c> as sent: a JSON string or array.</param>
/// <param name="Pieces">An output message's text cut into stream deltas (so a replayed stream repeats the original).</param>
internal sealed record ResponseItem(
    ResponseItemKind Kind,
    string Id,
    string Role,
    string Text,
    string? ContentJson = null,
    string? CallId = null,
    string? Name = null,
    string? Arguments = null,
    string? OutputJson = null,
    IReadOnlyList<TextPiece>? Pieces = null)
{
    public static string NewMessageId() => "msg_" + Ids.New();

    public static string NewFunctionCallId() => "fc_" + Ids.New();

    /// <summary>The item as the model reads it, for token counting and the answer's seed.</summary>
    public ChatMessage AsChatMessage() => new(Role, Text, null);
}

/// <summary>Upstream-like opaque ids: 50 lowercase hex digits after the prefix.</summary>
internal static class Ids
{
    public static string New() => (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..50];

    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary><c>call_</c> plus 24 letters and digits, as upstream's call ids look.</summary>
    public static string NewCallId() => "call_" + RandomNumberGenerator.GetString(Alphanumerics, 24);
}
