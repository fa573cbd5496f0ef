using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Storage.HBase.Wire;

/// <summary>
/// Thrift2 <c>TPut</c>: 1 req binary row; 2 req list&lt;TColumnValue&gt; columnValues; 3 opt i64 timestamp;
/// 5 opt map attributes; 6 opt i32 durability; 7 opt TCellVisibility cellVisibility.
/// </summary>
internal sealed class TPut
{
    public required byte[] Row { get; init; }
    public required IReadOnlyList<TColumnValue> ColumnValues { get; init; }
    public long? Timestamp { get; init; }
    public IReadOnlyList<KeyValuePair<byte[], byte[]>>? Attributes { get; init; }
    public int? Durability { get; init; }
    public TCellVisibility? CellVisibility { get; init; }

    public void Write(ThriftBinaryWriter w)
    {
        WireHelpers.Binary(w, 1, Row);
        TColumnValue.WriteList(w, 2, ColumnValues);
        WireHelpers.I64(w, 3, Timestamp);
        WireHelpers.Attributes(w, 5, Attributes);
        WireHelpers.I32(w, 6, Durability);
        if (CellVisibility is not null)
        {
            w.WriteFieldBegin(ThriftType.Struct, 7);
            CellVisibility.Write(w);
        }
        w.WriteFieldStop();
    }
}
