using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Storage.HBase.Wire;

/// <summary>Thrift2 <c>TGet</c> (field ids 1–15, see HBASE_THRIFT2.md).</summary>
internal sealed class TGet
{
    public required byte[] Row { get; init; }                                          // 1 req
    public IReadOnlyList<TColumn>? Columns { get; init; }                              // 2
    public long? Timestamp { get; init; }                                              // 3
    public TTimeRange? TimeRange { get; init; }                                        // 4
    public int? MaxVersions { get; init; }                                             // 5
    public byte[]? FilterString { get; init; }                                         // 6
    public IReadOnlyList<KeyValuePair<byte[], byte[]>>? Attributes { get; init; }      // 7
    public TAuthorization? Authorizations { get; init; }                               // 8
    public int? Consistency { get; init; }                                             // 9
    public int? TargetReplicaId { get; init; }                                         // 10
    public bool? CacheBlocks { get; init; }                                            // 11
    public int? StoreLimit { get; init; }                                              // 12
    public int? StoreOffset { get; init; }                                             // 13
    public bool? ExistenceOnly { get; init; }                                          // 14
    public byte[]? FilterBytes { get; init; }                                          // 15

    public void Write(ThriftBinaryWriter w)
    {
        WireHelpers.Binary(w, 1, Row);
        WireHelpers.Columns(w, 2, Columns);
        WireHelpers.I64(w, 3, Timestamp);
        if (TimeRange is { } range)
        {
            w.WriteFieldBegin(ThriftType.Struct, 4);
            range.Write(w);
        }
        WireHelpers.I32(w, 5, MaxVersions);
        WireHelpers.OptionalBinary(w, 6, FilterString);
        WireHelpers.Attributes(w, 7, Attributes);
        if (Authorizations is not null)
        {
            w.WriteFieldBegin(ThriftType.Struct, 8);
            Authorizations.Write(w);
        }
        WireHelpers.I32(w, 9, Consistency);
        WireHelpers.I32(w, 10, TargetReplicaId);
        WireHelpers.Bool(w, 11, CacheBlocks);
        WireHelpers.I32(w, 12, StoreLimit);
        WireHelpers.I32(w, 13, StoreOffset);
        WireHelpers.Bool(w, 14, ExistenceOnly);
        WireHelpers.OptionalBinary(w, 15, FilterBytes);
        w.WriteFieldStop();
    }
}
