using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Storage.HBase.Wire;

/// <summary>Thrift2 <c>TAuthorization</c>: 1 opt list&lt;string&gt; labels.</summary>
internal sealed record TAuthorization(IReadOnlyList<string>? Labels)
{
    public void Write(ThriftBinaryWriter w)
    {
        if (Labels is not null)
        {
            w.WriteFieldBegin(ThriftType.List, 1);
            w.WriteListBegin(ThriftType.String, Labels.Count);
            foreach (var l in Labels)
            {
                w.WriteString(l);
            }
        }
        w.WriteFieldStop();
    }
}

/// <summary>Thrift2 <c>TCellVisibility</c>: 1 opt string expression.</summary>
internal sealed record TCellVisibility(string? Expression)
{
    public void Write(ThriftBinaryWriter w)
    {
        WireHelpers.OptionalString(w, 1, Expression);
        w.WriteFieldStop();
    }

    public static TCellVisibility Read(ref ThriftBinaryReader r)
    {
        string? expression = null;
        r.ReadStructBegin();
        while (true)
        {
            var (type, id) = r.ReadFieldBegin();
            if (type == ThriftType.Stop)
            {
                break;
            }
            if (id == 1 && type == ThriftType.String)
            {
                expression = r.ReadString();
            }
            else
            {
                r.Skip(type);
            }
        }
        r.ReadStructEnd();
        return new TCellVisibility(expression);
    }
}
