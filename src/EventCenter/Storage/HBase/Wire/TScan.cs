using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Storage.HBase.Wire;

/// <summary>Thrift2 <c>TScan</c> (field ids 1–18, see HBASE_THRIFT2.md).</summary>
internal sealed class TScan
{
    public byte[]? StartRow { get; init; }                                             // 1
    public byte[]? StopRow { get; init; }                                              // 2
    public IReadOnlyList<TColumn>? Columns { get; init; }                              // 3
    public int? Caching { get; init; }                                                 // 4
    public int? MaxVersions { get; init; }                                             // 5
    public TTimeRange? TimeRange { get; init; }                                        // 6
    public byte[]? FilterString { get; init; }                                         // 7
    public int? BatchSize { get; init; }                                               // 8
    public IReadOnlyList<KeyValuePair<byte[], byte[]>>? Attributes { get; init; }      // 9
    public TAuthorization? Authorizations { get; init; }                               // 10
    public bool? Reversed { get; init; }                                               // 11
    public bool? CacheBlocks { get; init; }                                            // 12
    public IReadOnlyList<KeyValuePair<byte[], TTimeRange>>? ColFamTimeRangeMap { get; init; } // 13
    public int? ReadType { get; init; }                                                // 14
    public int? Limit { get; init; }                                                   // 15
    public int? Consistency { get; init; }                                             // 16
    public int? TargetReplicaId { get; init; }                                         // 17
    public byte[]? FilterBytes { get; init; }                                          // 18

    public void Write(ThriftBinaryWriter w)
    {
        WireHelpers.OptionalBinary(w, 1, StartRow);
        WireHelpers.OptionalBinary(w, 2, StopRow);
        WireHelpers.Columns(w, 3, Columns);
        WireHelpers.I32(w, 4, Caching);
        WireHelpers.I32(w, 5, MaxVersions);
        if (TimeRange is { } range)
        {
            w.WriteFieldBegin(ThriftType.Struct, 6);
            range.Write(w);
        }
        WireHelpers.OptionalBinary(w, 7, FilterString);
        WireHelpers.I32(w, 8, BatchSize);
        WireHelpers.Attributes(w, 9, Attributes);
        if (Authorizations is not null)
        {
            w.WriteFieldBegin(ThriftType.Struct, 10);
            Authorizations.Write(w);
        }
        WireHelpers.Bool(w, 11, Reversed);
        WireHelpers.Bool(w, 12, CacheBlocks);
        if (ColFamTimeRangeMap is not null)
        {
            w.WriteFieldBegin(ThriftType.Map, 13);
            w.WriteMapBegin(ThriftType.String, ThriftType.Struct, ColFamTimeRangeMap.Count);
            foreach (var (family, familyRange) in ColFamTimeRangeMap)
            {
                w.WriteBinary(family);
                familyRange.Write(w);
            }
        }
        WireHelpers.I32(w, 14, ReadType);
        WireHelpers.I32(w, 15, Limit);
        WireHelpers.I32(w, 16, Consistency);
        WireHelpers.I32(w, 17, TargetReplicaId);
        WireHelpers.OptionalBinary(w, 18, FilterBytes);
        w.WriteFieldStop();
    }
}
