using System.Globalization;
using System.Net;
using Microsoft.Azure.Cosmos;

namespace AspireAoai.ServiceDefaults.Cosmos;

/// <summary>
/// Tells the two meanings of a Cosmos DB 404 apart: "this item does not exist" (sub-status 0) and "the database or
/// container it would live in does not exist" (sub-status 1003, OwnerResourceNotFound, as Cosmos DB and our local
/// server answer). Some operations cannot miss an item at all (create, upsert, query): their 404 always means the
/// owner is gone, whatever the sub-status, so a store that answers without one is still understood.
/// </summary>
public static class CosmosNotFound
{
    /// <summary>Cosmos DB's sub-status for a request whose database or container does not exist.</summary>
    public const int OwnerResourceNotFound = 1003;

    private const string SubStatusHeader = "x-ms-substatus";

    /// <summary>What a request was, for reading its 404.</summary>
    public enum Operation
    {
        /// <summary>A point read, replace, patch or delete: a 404 may be the item's own.</summary>
        Item,

        /// <summary>A create, upsert or query: a 404 can only be the owner's.</summary>
        OwnerOnly,
    }

    /// <summary>True when <paramref name="exception"/> says the database or container does not exist.</summary>
    public static bool IsOwnerMissing(CosmosException exception, Operation operation) =>
        exception.StatusCode == HttpStatusCode.NotFound
        && (operation == Operation.OwnerOnly || exception.SubStatusCode == OwnerResourceNotFound);

    /// <summary>True when a stream API's <paramref name="response"/> says the database or container does not exist.</summary>
    public static bool IsOwnerMissing(ResponseMessage response, Operation operation)
    {
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            return false;
        }

        if (operation == Operation.OwnerOnly)
        {
            return true;
        }

        var header = response.Headers[SubStatusHeader];
        return header is not null && int.TryParse(header, NumberStyles.Integer, CultureInfo.InvariantCulture, out var sub)
            && sub == OwnerResourceNotFound;
    }
}
