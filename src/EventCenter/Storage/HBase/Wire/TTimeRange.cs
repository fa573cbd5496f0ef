using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Storage.HBase.Wire;

/// <summary>Thrift2 <c>TTimeRange</c>: 1 req i64 minStamp; 2 req i64 maxStamp (half-open).</summary>
internal readonly record struct TTimeRange(long MinStamp, long MaxStamp)
{
    public void Write(ThriftBinaryWriter w)
    {
        WireHelpers.I64(w, 1, MinStamp);
        WireHelpers.I64(w, 2, MaxStamp);
        w.WriteFieldStop();
    }

    public static TTimeRange Read(ref ThriftBinaryReader r)
    {
        long? min = null, max = null;
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
                case 1 when type == ThriftType.I64: min = r.ReadI64(); break;
                case 2 when type == ThriftType.I64: max = r.ReadI64(); break;
                default: r.Skip(type); break;
            }
        }
        r.ReadStructEnd();
        return new TTimeRange(min ?? throw WireHelpers.Missing("TTimeRange", "minStamp"), max ?? throw WireHelpers.Missing("TTimeRange", "maxStamp"));
    }
}
