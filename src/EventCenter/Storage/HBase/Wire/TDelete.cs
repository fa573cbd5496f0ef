using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Storage.HBase.Wire;

/// <summary>Thrift2 <c>TDeleteType</c>.</summary>
internal enum TDeleteType
{
    DeleteColumn = 0,
    DeleteColumns = 1,
    DeleteFamily = 2,
    DeleteFamilyVersion = 3,
}

/// <summary>
/// Thrift2 <c>TDelete</c>: 1 req binary row; 2 opt list&lt;TColumn&gt; columns; 3 opt i64 timestamp;
/// 4 opt i32 deleteType; 6 opt map attributes; 7 opt i32 durability; 8 opt TCellVisibility cellVisibility.
/// </summary>
internal sealed class TDelete
{
    public required byte[] Row { get; init; }
    public IReadOnlyList<TColumn>? Columns { get; init; }
    public long? Timestamp { get; init; }
    public TDeleteType? DeleteType { get; init; }
    public IReadOnlyList<KeyValuePair<byte[], byte[]>>? Attributes { get; init; }
    public int? Durability { get; init; }
    public TCellVisibility? CellVisibility { get; init; }

    public void Write(ThriftBinaryWriter w)
    {
        WireHelpers.Binary(w, 1, Row);
        WireHelpers.Columns(w, 2, Columns);
        WireHelpers.I64(w, 3, Timestamp);
        WireHelpers.I32(w, 4, (int?)DeleteType);
        WireHelpers.Attributes(w, 6, Attributes);
        WireHelpers.I32(w, 7, Durability);
        if (CellVisibility is not null)
        {
            w.WriteFieldBegin(ThriftType.Struct, 8);
            CellVisibility.Write(w);
        }
        w.WriteFieldStop();
    }

    public static TDelete Read(ref ThriftBinaryReader r)
    {
        byte[]? row = null;
        List<TColumn>? columns = null;
        long? timestamp = null;
        int? deleteType = null, durability = null;
        List<KeyValuePair<byte[], byte[]>>? attributes = null;
        TCellVisibility? visibility = null;
        r.ReadStructBegin();
        while (true)
        {
            var (type, id) = r.ReadFieldBegin();
            if (type == ThriftType.Stop)
            {
                break;
            }
            switch (id)
            {
                case 1 when type == ThriftType.String: row = r.ReadBinary(); break;
                case 2 when type == ThriftType.List: columns = WireHelpers.ReadColumns(ref r); break;
                case 3 when type == ThriftType.I64: timestamp = r.ReadI64(); break;
                case 4 when type == ThriftType.I32: deleteType = r.ReadI32(); break;
                case 6 when type == ThriftType.Map: attributes = WireHelpers.ReadAttributes(ref r); break;
                case 7 when type == ThriftType.I32: durability = r.ReadI32(); break;
                case 8 when type == ThriftType.Struct: visibility = TCellVisibility.Read(ref r); break;
                default: r.Skip(type); break;
            }
        }
        r.ReadStructEnd();
        return new TDelete
        {
            Row = row ?? throw WireHelpers.Missing("TDelete", "row"),
            Columns = columns,
            Timestamp = timestamp,
            DeleteType = (TDeleteType?)deleteType,
            Attributes = attributes,
            Durability = durability,
            CellVisibility = visibility,
        };
    }
}
