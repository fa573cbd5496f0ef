using FeaturePlatform.EventCenter.Thrift;

namespace FeaturePlatform.EventCenter.Storage.HBase.Wire;

/// <summary>Field-level encode/decode helpers shared by the Thrift2 structs.</summary>
internal static class WireHelpers
{
    public static void Binary(ThriftBinaryWriter w, short id, ReadOnlySpan<byte> value)
    {
        w.WriteFieldBegin(ThriftType.String, id);
        w.WriteBinary(value);
    }

    public static void OptionalBinary(ThriftBinaryWriter w, short id, byte[]? value)
    {
        if (value is not null)
        {
            Binary(w, id, value);
        }
    }

    public static void OptionalString(ThriftBinaryWriter w, short id, string? value)
    {
        if (value is not null)
        {
            w.WriteFieldBegin(ThriftType.String, id);
            w.WriteString(value);
        }
    }

    public static void I32(ThriftBinaryWriter w, short id, int? value)
    {
        if (value is { } v)
        {
            w.WriteFieldBegin(ThriftType.I32, id);
            w.WriteI32(v);
        }
    }

    public static void I64(ThriftBinaryWriter w, short id, long? value)
    {
        if (value is { } v)
        {
            w.WriteFieldBegin(ThriftType.I64, id);
            w.WriteI64(v);
        }
    }

    public static void Bool(ThriftBinaryWriter w, short id, bool? value)
    {
        if (value is { } v)
        {
            w.WriteFieldBegin(ThriftType.Bool, id);
            w.WriteBool(v);
        }
    }

    public static void Byte(ThriftBinaryWriter w, short id, sbyte? value)
    {
        if (value is { } v)
        {
            w.WriteFieldBegin(ThriftType.Byte, id);
            w.WriteByte(unchecked((byte)v));
        }
    }

    public static void Attributes(ThriftBinaryWriter w, short id, IReadOnlyList<KeyValuePair<byte[], byte[]>>? attributes)
    {
        if (attributes is null)
        {
            return;
        }
        w.WriteFieldBegin(ThriftType.Map, id);
        w.WriteMapBegin(ThriftType.String, ThriftType.String, attributes.Count);
        foreach (var (k, v) in attributes)
        {
            w.WriteBinary(k);
            w.WriteBinary(v);
        }
    }

    public static List<KeyValuePair<byte[], byte[]>> ReadAttributes(ref ThriftBinaryReader r)
    {
        var (keyType, valueType, count) = r.ReadMapBegin();
        var result = new List<KeyValuePair<byte[], byte[]>>(count);
        for (var i = 0; i < count; i++)
        {
            if (keyType != ThriftType.String || valueType != ThriftType.String)
            {
                throw new ThriftProtocolException(ThriftProtocolError.InvalidType, $"attributes map has types {keyType}/{valueType}, expected String/String.");
            }
            result.Add(new(r.ReadBinary(), r.ReadBinary()));
        }
        r.ReadContainerEnd();
        return result;
    }

    public static void Columns(ThriftBinaryWriter w, short id, IReadOnlyList<TColumn>? columns)
    {
        if (columns is null)
        {
            return;
        }
        w.WriteFieldBegin(ThriftType.List, id);
        w.WriteListBegin(ThriftType.Struct, columns.Count);
        foreach (var c in columns)
        {
            c.Write(w);
        }
    }

    public static List<TColumn> ReadColumns(ref ThriftBinaryReader r)
    {
        var (elementType, count) = r.ReadListBegin();
        ExpectElements(elementType, ThriftType.Struct, count, "columns");
        var result = new List<TColumn>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add(TColumn.Read(ref r));
        }
        r.ReadContainerEnd();
        return result;
    }

    public static void ExpectElements(ThriftType actual, ThriftType expected, int count, string field)
    {
        if (count > 0 && actual != expected)
        {
            throw new ThriftProtocolException(ThriftProtocolError.InvalidType, $"List '{field}' has elements of type {actual}, expected {expected}.");
        }
    }

    public static ThriftProtocolException Missing(string structName, string field) =>
        new(ThriftProtocolError.InvalidData, $"{structName} lacks its required field '{field}'.");
}
