using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.EventStorage;

/// <summary>Where the event tables live and how their keys are salted.</summary>
public sealed record EventTableOptions
{
    /// <summary>HBase namespace of the tables, or null for the default namespace. Default: null.</summary>
    public string? Namespace { get; init; }

    /// <summary>
    /// Base name: the main table is <c>{TablePrefix}</c>, the indexes <c>{TablePrefix}_by_time</c>,
    /// <c>{TablePrefix}_by_id</c>, and (hot store only) <c>{TablePrefix}_reheat</c>. Default: "events".
    /// </summary>
    public string TablePrefix { get; init; } = "events";

    /// <summary>
    /// Salt buckets (1–256): the first key byte is hash(source, entity) mod this, spreading writes over regions.
    /// A source replay runs one scan per bucket. Changing it for existing tables makes their rows unreachable.
    /// Default: 16.
    /// </summary>
    public int SaltBuckets { get; init; } = 16;

    /// <summary>Rows fetched per store round trip by history and replay scans. Default: 256.</summary>
    public int ScanPageSize { get; init; } = 256;

    internal TableName Main => new(Namespace, TablePrefix);

    internal TableName TimeIndex => new(Namespace, TablePrefix + "_by_time");

    internal TableName IdIndex => new(Namespace, TablePrefix + "_by_id");

    internal TableName Coverage => new(Namespace, TablePrefix + "_reheat");
}
