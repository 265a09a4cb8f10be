namespace AspireAoai.Api.Forwarding;

/// <summary>
/// Lets socket completions run on the runtime's socket event threads instead of being queued to the thread pool.
/// Most of a forwarded request's waits are on the upstream connection; with this, the code after each upstream read
/// (observing the answer, relaying it to the client) continues on the thread that saw the data arrive, one thread-pool
/// hop fewer per read. The gateway never blocks after an upstream read (no synchronous waits; locks are a few
/// instructions), which is what makes this safe here. Kestrel hands a connection's reads to the thread pool, but a
/// request already buffered when the previous one on its connection finished on an event thread starts on that
/// thread; the handler moves a body over <see cref="Apis.GatewayHandler.InlineBodyBytes"/> to the thread pool before
/// parsing and counting it, so the event threads never carry more than a small body's work.
/// </summary>
/// <remarks>
/// The runtime reads the switch once, from the environment, when the first socket is used, so it is set at the top
/// of Program before anything connects. A value already set wins: <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0</c>
/// turns it off.
/// </remarks>
public static class SocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Sets the switch unless the environment already has a value; returns the value in effect.</summary>
    public static string PreferInline()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } chosen)
        {
            return chosen;
        }

        Environment.SetEnvironmentVariable(Variable, "1");
        return "1";
    }
}
