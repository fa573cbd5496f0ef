using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Storage.HBase.Wire;

/// <summary>Thrift2 <c>TColumn</c>: 1 req binary family; 2 opt binary qualifier; 3 opt i64 timestamp.</summary>
internal sealed record TColumn(byte[] Family, byte[]? Qualifier = null, long? Timestamp = null)
{
    public void Write(ThriftBinaryWriter w)
    {
        WireHelpers.Binary(w, 1, Family);
        WireHelpers.OptionalBinary(w, 2, Qualifier);
        WireHelpers.I64(w, 3, Timestamp);
        w.WriteFieldStop();
    }

    public static TColumn Read(ref ThriftBinaryReader r)
    {
        byte[]? family = null, qualifier = null;
        long? timestamp = null;
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
                case 3 when type == ThriftType.I64: timestamp = r.ReadI64(); break;
                default: r.Skip(type); break;
            }
        }
        r.ReadStructEnd();
        return new TColumn(family ?? throw WireHelpers.Missing("TColumn", "family"), qualifier, timestamp);
    }
}
