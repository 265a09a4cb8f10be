namespace AspireAoai.TestSupport;

/// <summary>
/// Waits for what the code under test finishes after the client has its answer (OnCompleted work, a flusher, a
/// Worker batch): polls the condition every 50 ms and fails with the reason when the time is up.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public static Task TrueAsync(Func<bool> condition, string because, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), because, timeout);

    public static async Task TrueAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Not met within {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s: {because}");
            }

            await Task.Delay(50);
        }
    }
}
