namespace AspireAoai.Api.RateLimiting;

/// <summary>Queued adjustments of one key, sub-bucket, day, month and kind, summed into <see cref="Sum"/>; <see cref="Count"/> of them.</summary>
internal readonly record struct MergedAdjustment(Adjustment Sum, int Count);
