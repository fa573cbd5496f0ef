using System.Buffers.Binary;

namespace FeaturePlatform.EventCenter.Thrift;

/// <summary>
/// Finds where one binary-protocol message ends in a stream whose bytes arrive in pieces (the buffered
/// transport has no length prefix). Resumable: each <see cref="TryFindEnd"/> call continues where the last one
/// stopped, so a message is walked once in total however it is split. Applies the same limits as the reader.
/// </summary>
internal sealed class ThriftMessageScanner
{
    private readonly ThriftLimits limits;
    private readonly Frame[] stack;
    private int depth;
    private int position;
    private bool headerDone;
    private ThriftType pending;

    public ThriftMessageScanner(ThriftLimits limits)
    {
        this.limits = limits;
        stack = new Frame[limits.MaxDepth + 1];
    }

    /// <summary>Starts over for a new message.</summary>
    public void Reset()
    {
        depth = 0;
        position = 0;
        headerDone = false;
        pending = ThriftType.Stop;
    }

    /// <summary>
    /// Continues the walk over <paramref name="data"/> (the message's bytes received so far, starting at its
    /// first byte). Returns the message's length once complete, or -1 when more bytes are needed.
    /// </summary>
    public int TryFindEnd(ReadOnlySpan<byte> data)
    {
        if (!headerDone)
        {
            if (data.Length < 8)
            {
                return -1;
            }
            var version = BinaryPrimitives.ReadUInt32BigEndian(data);
            if ((version & 0xFFFF0000) != 0x80010000)
            {
                throw new ThriftProtocolException(ThriftProtocolError.BadVersion, $"Expected the strict binary version word 0x8001xxxx, got 0x{version:x8}.");
            }
            var nameLength = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
            CheckString(nameLength);
            if (data.Length - 8 < (long)nameLength + 4)
            {
                return -1;
            }
            position = 8 + nameLength + 4;
            headerDone = true;
            pending = ThriftType.Struct;
        }

        while (true)
        {
            if (pending != ThriftType.Stop)
            {
                if (!TryConsumeValue(data, pending))
                {
                    return -1;
                }
                pending = ThriftType.Stop;
            }
            if (depth == 0)
            {
                return position;
            }
            ref var frame = ref stack[depth - 1];
            if (frame.IsStruct)
            {
                if (data.Length - position < 1)
                {
                    return -1;
                }
                var type = (ThriftType)data[position];
                if (type == ThriftType.Stop)
                {
                    position++;
                    depth--;
                    continue;
                }
                CheckType(type);
                if (data.Length - position < 3)
                {
                    return -1;
                }
                position += 3;
                pending = type;
            }
            else if (frame.Remaining == 0)
            {
                depth--;
            }
            else
            {
                pending = frame.IsMap && (frame.Remaining & 1) == 1 ? frame.ValueType : frame.KeyType;
                frame.Remaining--;
            }
        }
    }

    private bool TryConsumeValue(ReadOnlySpan<byte> data, ThriftType type)
    {
        var available = data.Length - position;
        switch (type)
        {
            case ThriftType.Bool:
            case ThriftType.Byte:
                return Advance(available, 1);
            case ThriftType.I16:
                return Advance(available, 2);
            case ThriftType.I32:
                return Advance(available, 4);
            case ThriftType.I64:
            case ThriftType.Double:
                return Advance(available, 8);
            case ThriftType.String:
                {
                    if (available < 4)
                    {
                        return false;
                    }
                    var length = BinaryPrimitives.ReadInt32BigEndian(data[position..]);
                    CheckString(length);
                    return Advance(available, 4L + length);
                }
            case ThriftType.Struct:
                Push(new Frame(true, false, ThriftType.Stop, ThriftType.Stop, 0));
                return true;
            case ThriftType.List:
            case ThriftType.Set:
                {
                    if (available < 5)
                    {
                        return false;
                    }
                    var elementType = (ThriftType)data[position];
                    var count = BinaryPrimitives.ReadInt32BigEndian(data[(position + 1)..]);
                    CheckCount(count);
                    if (count > 0)
                    {
                        CheckType(elementType);
                    }
                    position += 5;
                    Push(new Frame(false, false, elementType, elementType, count));
                    return true;
                }
            case ThriftType.Map:
                {
                    if (available < 6)
                    {
                        return false;
                    }
                    var keyType = (ThriftType)data[position];
                    var valueType = (ThriftType)data[position + 1];
                    var count = BinaryPrimitives.ReadInt32BigEndian(data[(position + 2)..]);
                    CheckCount(count);
                    if (count > 0)
                    {
                        CheckType(keyType);
                        CheckType(valueType);
                    }
                    position += 6;
                    Push(new Frame(false, true, keyType, valueType, 2L * count));
                    return true;
                }
            default:
                throw new ThriftProtocolException(ThriftProtocolError.InvalidType, $"Unknown type code {(byte)type}.");
        }
    }

    private bool Advance(int available, long size)
    {
        if (available < size)
        {
            return false;
        }
        position += (int)size;
        return true;
    }

    private void Push(Frame frame)
    {
        if (depth >= limits.MaxDepth)
        {
            throw new ThriftProtocolException(ThriftProtocolError.DepthExceeded, $"Nesting deeper than {limits.MaxDepth}.");
        }
        stack[depth++] = frame;
    }

    private void CheckString(int length)
    {
        if (length < 0)
        {
            throw new ThriftProtocolException(ThriftProtocolError.NegativeSize, $"String length {length}.");
        }
        if (length > limits.MaxStringLength)
        {
            throw new ThriftProtocolException(ThriftProtocolError.StringTooLong, $"String length {length} exceeds the limit of {limits.MaxStringLength} bytes.");
        }
    }

    private void CheckCount(int count)
    {
        if (count < 0)
        {
            throw new ThriftProtocolException(ThriftProtocolError.NegativeSize, $"Container size {count}.");
        }
        if (count > limits.MaxContainerSize)
        {
            throw new ThriftProtocolException(ThriftProtocolError.ContainerTooLarge, $"Container size {count} exceeds the limit of {limits.MaxContainerSize}.");
        }
    }

    private static void CheckType(ThriftType type)
    {
        if (!ThriftBinaryReader.IsValidType(type))
        {
            throw new ThriftProtocolException(ThriftProtocolError.InvalidType, $"Unknown type code {(byte)type}.");
        }
    }

    private record struct Frame(bool IsStruct, bool IsMap, ThriftType KeyType, ThriftType ValueType, long Remaining);
}
