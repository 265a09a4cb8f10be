using StackExchange.Redis;

namespace AspireAoai.Api.Usage;

/// <summary>
/// A budget reservation to release: <see cref="Picodollars"/> in expiry bucket <see cref="Bucket"/> of the client's
/// reservation hash and, when it is in a group, of the group's.
/// </summary>
public sealed record Reservation(RedisKey ClientKey, RedisKey? GroupKey, long Bucket, long Picodollars);
