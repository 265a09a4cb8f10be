using System.Text.Json;

namespace AspireAoai.Simulator.Http;

/// <summary>Writes a 200 JSON body built in a pooled buffer, so the answer carries a Content-Length as Azure's do.</summary>
internal static class JsonAnswer
{
    public static async Task WriteAsync<T>(HttpContext context, T value, Action<Utf8JsonWriter, T> write)
    {
        using var buffer = new PooledBufferWriter(2048);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer, value);
        }

        await WriteAsync(context, buffer.WrittenMemory);
    }

    /// <summary>Declares the whole body's length, sends its first half and cuts the connection (the <c>cut</c> fault).</summary>
    public static async Task WriteCutAsync<T>(HttpContext context, T value, Action<Utf8JsonWriter, T> write)
    {
        using var buffer = new PooledBufferWriter(2048);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer, value);
        }

        var body = buffer.WrittenMemory;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = SimHeaders.Json;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body[..(body.Length / 2)], context.RequestAborted);
        await response.Body.FlushAsync(context.RequestAborted);
        context.Abort();
    }

    public static Task WriteAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = SimHeaders.Json;
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
