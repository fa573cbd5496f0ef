using System.Buffers.Binary;
using System.Text;

namespace FeaturePlatform.EventCenter.Thrift;

/// <summary>
/// Decodes Thrift binary-protocol values from one complete message held in memory. Every read is
/// bounds-checked and every size checked against <see cref="ThriftLimits"/>; bad input throws
/// <see cref="ThriftProtocolException"/>. Allocates only the byte[]/string values it returns.
/// </summary>
internal ref struct ThriftBinaryReader
{
    private const uint VersionMask = 0xFFFF0000;
    private const uint VersionStrict = 0x80010000;
    private readonly ReadOnlySpan<byte> data;
    private readonly ThriftLimits limits;
    private int position;
    private int depth;

    public ThriftBinaryReader(ReadOnlySpan<byte> data, ThriftLimits limits)
    {
        this.data = data;
        this.limits = limits;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => position;

    public (string Name, ThriftMessageType Type, int SeqId) ReadMessageBegin()
    {
        var version = unchecked((uint)ReadI32());
        if ((version & VersionMask) != VersionStrict)
        {
            throw new ThriftProtocolException(ThriftProtocolError.BadVersion, $"Expected the strict binary version word 0x8001xxxx, got 0x{version:x8}.");
        }
        var type = (ThriftMessageType)(version & 0xFF);
        if (type is < ThriftMessageType.Call or > ThriftMessageType.Oneway || (version & 0xFF00) != 0)
        {
            throw new ThriftProtocolException(ThriftProtocolError.BadVersion, $"Unknown message type in version word 0x{version:x8}.");
        }
        var name = ReadString();
        var seqId = ReadI32();
        return (name, type, seqId);
    }

    /// <summary>Enters a struct (counts nesting depth). Pair with <see cref="ReadStructEnd"/>.</summary>
    public void ReadStructBegin() => Enter();

    public void ReadStructEnd() => depth--;

    /// <summary>Reads a field header; <see cref="ThriftType.Stop"/> ends the struct.</summary>
    public (ThriftType Type, short Id) ReadFieldBegin()
    {
        var type = (ThriftType)ReadByte();
        if (type == ThriftType.Stop)
        {
            return (type, 0);
        }
        CheckType(type);
        return (type, ReadI16());
    }

    public bool ReadBool() => ReadByte() != 0;

    public byte ReadByte()
    {
        if (position >= data.Length)
        {
            throw Truncated(1);
        }
        return data[position++];
    }

    public short ReadI16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    public int ReadI32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadI64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleBigEndian(Take(8));

    public byte[] ReadBinary() => ReadBinarySpan().ToArray();

    public ReadOnlySpan<byte> ReadBinarySpan()
    {
        var length = ReadI32();
        if (length < 0)
        {
            throw new ThriftProtocolException(ThriftProtocolError.NegativeSize, $"String length {length} at offset {position - 4}.");
        }
        if (length > limits.MaxStringLength)
        {
            throw new ThriftProtocolException(ThriftProtocolError.StringTooLong, $"String length {length} exceeds the limit of {limits.MaxStringLength} bytes.");
        }
        return Take(length);
    }

    public string ReadString()
    {
        var bytes = ReadBinarySpan();
        try
        {
            return bytes.Length == 0 ? string.Empty : Utf8Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new ThriftProtocolException(ThriftProtocolError.InvalidData, $"String is not valid UTF-8: {e.Message}");
        }
    }

    /// <summary>Reads a list header and enters it. Pair with <see cref="ReadContainerEnd"/>.</summary>
    public (ThriftType ElementType, int Count) ReadListBegin()
    {
        var type = (ThriftType)ReadByte();
        var count = ReadI32();
        CheckContainer(count, 1);
        CheckType(type);
        Enter();
        return (type, count);
    }

    public (ThriftType ElementType, int Count) ReadSetBegin() => ReadListBegin();

    /// <summary>Reads a map header and enters it. Pair with <see cref="ReadContainerEnd"/>.</summary>
    public (ThriftType KeyType, ThriftType ValueType, int Count) ReadMapBegin()
    {
        var keyType = (ThriftType)ReadByte();
        var valueType = (ThriftType)ReadByte();
        var count = ReadI32();
        CheckContainer(count, 2);
        if (count > 0)
        {
            CheckType(keyType);
            CheckType(valueType);
        }
        Enter();
        return (keyType, valueType, count);
    }

    public void ReadContainerEnd() => depth--;

    /// <summary>Throws unless a field has the type the schema declares (a mismatch means a different schema or garbage).</summary>
    public static void Expect(ThriftType actual, ThriftType expected, string field)
    {
        if (actual != expected)
        {
            throw new ThriftProtocolException(ThriftProtocolError.InvalidType, $"Field '{field}' has wire type {actual}, expected {expected}.");
        }
    }

    /// <summary>Skips one value of <paramref name="type"/>, of any nesting (bounded by the depth limit).</summary>
    public void Skip(ThriftType type)
    {
        switch (type)
        {
            case ThriftType.Bool:
            case ThriftType.Byte:
                Take(1);
                break;
            case ThriftType.I16:
                Take(2);
                break;
            case ThriftType.I32:
                Take(4);
                break;
            case ThriftType.I64:
            case ThriftType.Double:
                Take(8);
                break;
            case ThriftType.String:
                ReadBinarySpan();
                break;
            case ThriftType.Struct:
                ReadStructBegin();
                while (true)
                {
                    var (fieldType, _) = ReadFieldBegin();
                    if (fieldType == ThriftType.Stop)
                    {
                        break;
                    }
                    Skip(fieldType);
                }
                ReadStructEnd();
                break;
            case ThriftType.List:
            case ThriftType.Set:
                {
                    var (elementType, count) = ReadListBegin();
                    for (var i = 0; i < count; i++)
                    {
                        Skip(elementType);
                    }
                    ReadContainerEnd();
                    break;
                }
            case ThriftType.Map:
                {
                    var (keyType, valueType, count) = ReadMapBegin();
                    for (var i = 0; i < count; i++)
                    {
                        Skip(keyType);
                        Skip(valueType);
                    }
                    ReadContainerEnd();
                    break;
                }
            default:
                throw new ThriftProtocolException(ThriftProtocolError.InvalidType, $"Cannot skip a value of type code {(byte)type}.");
        }
    }

    internal static bool IsValidType(ThriftType type) =>
        type is ThriftType.Bool or ThriftType.Byte or ThriftType.Double or ThriftType.I16 or ThriftType.I32 or ThriftType.I64
            or ThriftType.String or ThriftType.Struct or ThriftType.Map or ThriftType.Set or ThriftType.List;

    private static readonly UTF8Encoding Utf8Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static void CheckType(ThriftType type)
    {
        if (!IsValidType(type))
        {
            throw new ThriftProtocolException(ThriftProtocolError.InvalidType, $"Unknown type code {(byte)type}.");
        }
    }

    private readonly void CheckContainer(int count, int minBytesPerElement)
    {
        if (count < 0)
        {
            throw new ThriftProtocolException(ThriftProtocolError.NegativeSize, $"Container size {count}.");
        }
        if (count > limits.MaxContainerSize)
        {
            throw new ThriftProtocolException(ThriftProtocolError.ContainerTooLarge, $"Container size {count} exceeds the limit of {limits.MaxContainerSize}.");
        }
        // Each element takes at least one byte (bool/byte); a count the remaining bytes cannot hold is garbage.
        if ((long)count * minBytesPerElement > data.Length - position)
        {
            throw new ThriftProtocolException(ThriftProtocolError.Truncated, $"Container of {count} elements cannot fit in the {data.Length - position} bytes left.");
        }
    }

    private void Enter()
    {
        if (++depth > limits.MaxDepth)
        {
            throw new ThriftProtocolException(ThriftProtocolError.DepthExceeded, $"Nesting deeper than {limits.MaxDepth}.");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (data.Length - position < count)
        {
            throw Truncated(count);
        }
        var span = data.Slice(position, count);
        position += count;
        return span;
    }

    private readonly ThriftProtocolException Truncated(int wanted) =>
        new(ThriftProtocolError.Truncated, $"Needed {wanted} more bytes at offset {position}, only {data.Length - position} left.");
}
