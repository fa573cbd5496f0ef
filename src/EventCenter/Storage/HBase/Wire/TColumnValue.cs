using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Storage.HBase.Wire;

/// <summary>
/// Thrift2 <c>TColumnValue</c>: 1 req binary family; 2 req binary qualifier; 3 req binary value;
/// 4 opt i64 timestamp; 5 opt binary tags; 6 opt byte type.
/// </summary>
internal sealed record TColumnValue(byte[] Family, byte[] Qualifier, byte[] Value, long? Timestamp = null, byte[]? Tags = null, sbyte? Type = null)
{
    public void Write(ThriftBinaryWriter w)
    {
        WireHelpers.Binary(w, 1, Family);
        WireHelpers.Binary(w, 2, Qualifier);
        WireHelpers.Binary(w, 3, Value);
        WireHelpers.I64(w, 4, Timestamp);
        WireHelpers.OptionalBinary(w, 5, Tags);
        WireHelpers.Byte(w, 6, Type);
        w.WriteFieldStop();
    }

    public static TColumnValue Read(ref ThriftBinaryReader r)
    {
        byte[]? family = null, qualifier = null, value = null, tags = null;
        long? timestamp = null;
        sbyte? cellType = null;
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
                case 1 when type == ThriftType.String: family = r.ReadBinary(); break;
                case 2 when type == ThriftType.String: qualifier = r.ReadBinary(); break;
                case 3 when type == ThriftType.String: value = r.ReadBinary(); break;
                case 4 when type == ThriftType.I64: timestamp = r.ReadI64(); break;
                case 5 when type == ThriftType.String: tags = r.ReadBinary(); break;
                case 6 when type == ThriftType.Byte: cellType = unchecked((sbyte)r.ReadByte()); break;
                default: r.Skip(type); break;
            }
        }
        r.ReadStructEnd();
        return new TColumnValue(
            family ?? throw WireHelpers.Missing("TColumnValue", "family"),
            qualifier ?? throw WireHelpers.Missing("TColumnValue", "qualifier"),
            value ?? throw WireHelpers.Missing("TColumnValue", "value"),
            timestamp,
            tags,
            cellType);
    }

    public static void WriteList(ThriftBinaryWriter w, short id, IReadOnlyList<TColumnValue> values)
    {
        w.WriteFieldBegin(ThriftType.List, id);
        w.WriteListBegin(ThriftType.Struct, values.Count);
        foreach (var v in values)
        {
            v.Write(w);
        }
    }

    public static List<TColumnValue> ReadList(ref ThriftBinaryReader r)
    {
        var (elementType, count) = r.ReadListBegin();
        WireHelpers.ExpectElements(elementType, ThriftType.Struct, count, "columnValues");
        var result = new List<TColumnValue>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add(Read(ref r));
        }
        r.ReadContainerEnd();
        return result;
    }
}
