using System.Globalization;
using AspireAoai.Simulator.Http;

namespace AspireAoai.Simulator.Responses;

/// <summary>
/// The calls on a stored response: get (as JSON, or its events again with <c>?stream=true&amp;starting_after=N</c>),
/// delete, cancel (background responses) and its input items. An id this instance does not hold is a 404.
/// </summary>
internal sealed class StoredResponsesHandler(ResponsesFront front, ResponseStore store, TimeProvider time)
{
    private const int DefaultPage = 20;
    private const int MaxPage = 100;

    public async Task GetAsync(HttpContext context, string id, bool versioned)
    {
        if (await FindAsync(context, id, versioned) is not { } response)
        {
            return;
        }

        var query = context.Request.Query;
        var stream = query["stream"].ToString();
        if (!string.Equals(stream, "true", StringComparison.OrdinalIgnoreCase))
        {
            var now = time.GetUtcNow();
            await JsonAnswer.WriteAsync(context, (response, now), static (writer, r) => ResponseJson.WriteResponse(writer, r.response, r.now));
            return;
        }

        var startingAfter = -1;
        var after = query["starting_after"].ToString();
        if (after.Length > 0 && (!int.TryParse(after, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out startingAfter)))
        {
            await AzureErrors.BadRequest(context, $"Invalid 'starting_after': expected an integer, but got '{after}' instead.", "starting_after", "invalid_type");
            return;
        }

        // A background response still generating streams once it is ready, as upstream streams it as it goes.
        var wait = response.ReadyAt - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, context.RequestAborted);
        }

        await ResponseStreamWriter.ReplayAsync(context, response, time.GetUtcNow(), startingAfter);
    }

    public async Task DeleteAsync(HttpContext context, string id, bool versioned)
    {
        if (await FindAsync(context, id, versioned) is null)
        {
            return;
        }

        store.Remove(id);
        await JsonAnswer.WriteAsync(context, id, static (writer, i) => ResponseJson.WriteDeleted(writer, i));
    }

    public async Task CancelAsync(HttpContext context, string id, bool versioned)
    {
        if (await FindAsync(context, id, versioned) is not { } response)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (!response.Request.Background)
        {
            await AzureErrors.BadRequest(context, "Only responses created with background mode can be cancelled.", null);
            return;
        }

        if (!response.TryCancel(now))
        {
            await AzureErrors.BadRequest(context, "Cannot cancel a completed response.", null);
            return;
        }

        await JsonAnswer.WriteAsync(context, (response, now), static (writer, r) => ResponseJson.WriteResponse(writer, r.response, r.now));
    }

    /// <summary>Newest first by default (<c>order=desc</c>), <c>limit</c> 1..100 (20), <c>after</c> an item id.</summary>
    public async Task InputItemsAsync(HttpContext context, string id, bool versioned)
    {
        if (await FindAsync(context, id, versioned) is not { } response)
        {
            return;
        }

        var query = context.Request.Query;
        var limit = DefaultPage;
        var limitText = query["limit"].ToString();
        if (limitText.Length > 0 && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPage))
        {
            await AzureErrors.BadRequest(context,
                $"Invalid 'limit': expected an integer between 1 and {MaxPage}, but got '{limitText}' instead.", "limit", "invalid_value");
            return;
        }

        var order = query["order"].ToString();
        if (order.Length > 0 && order is not ("asc" or "desc"))
        {
            await AzureErrors.BadRequest(context, $"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.", "order", "invalid_value");
            return;
        }

        var items = response.Conversation;
        var ascending = order == "asc";
        var after = query["after"].ToString();
        var position = 0;
        if (after.Length > 0)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (items[ascending ? i : items.Count - 1 - i].Id == after)
                {
                    position = i + 1;
                    break;
                }
            }
        }

        var page = new List<ResponseItem>(Math.Min(limit, items.Count));
        for (var i = position; i < items.Count && page.Count < limit; i++)
        {
            page.Add(items[ascending ? i : items.Count - 1 - i]);
        }

        var hasMore = position + page.Count < items.Count;
        await JsonAnswer.WriteAsync(context, (page, hasMore), static (writer, p) => ResponseJson.WriteItemList(writer, p.page, p.hasMore));
    }

    private async Task<StoredResponse?> FindAsync(HttpContext context, string id, bool versioned)
    {
        if (front.Check(context, versioned, out _) is { } refused)
        {
            await refused;
            return null;
        }

        if (store.TryGet(id, out var response))
        {
            return response;
        }

        await ResponsesFront.NotFound(context, id);
        return null;
    }
}
