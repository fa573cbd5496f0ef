using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Storage.HBase.Wire;

/// <summary>
/// Thrift2 <c>TResult</c>: 1 opt binary row; 2 req list&lt;TColumnValue&gt; columnValues; 3 opt bool stale;
/// 4 opt bool partial. Empty <see cref="ColumnValues"/> means "row not found".
/// </summary>
internal sealed record TResult(byte[]? Row, IReadOnlyList<TColumnValue> ColumnValues, bool? Stale = null, bool? Partial = null)
{
    public void Write(ThriftBinaryWriter w)
    {
        WireHelpers.OptionalBinary(w, 1, Row);
        TColumnValue.WriteList(w, 2, ColumnValues);
        WireHelpers.Bool(w, 3, Stale);
        WireHelpers.Bool(w, 4, Partial);
        w.WriteFieldStop();
    }

    public static TResult Read(ref ThriftBinaryReader r)
    {
        byte[]? row = null;
        List<TColumnValue>? values = null;
        bool? stale = null, partial = null;
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
                case 2 when type == ThriftType.List: values = TColumnValue.ReadList(ref r); break;
                case 3 when type == ThriftType.Bool: stale = r.ReadBool(); break;
                case 4 when type == ThriftType.Bool: partial = r.ReadBool(); break;
                default: r.Skip(type); break;
            }
        }
        r.ReadStructEnd();
        return new TResult(row, values ?? throw WireHelpers.Missing("TResult", "columnValues"), stale, partial);
    }

    public static List<TResult> ReadList(ref ThriftBinaryReader r)
    {
        var (elementType, count) = r.ReadListBegin();
        WireHelpers.ExpectElements(elementType, ThriftType.Struct, count, "results");
        var result = new List<TResult>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add(Read(ref r));
        }
        r.ReadContainerEnd();
        return result;
    }
}
