using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace FeaturePlatform.EventCenter.Thrift;

/// <summary>
/// Encodes Thrift binary-protocol values into a buffer rented from <see cref="ArrayPool{T}"/>. One writer is
/// reused per connection (call <see cref="Reset"/> between messages); dispose it to return the buffer.
/// </summary>
internal sealed class ThriftBinaryWriter : IBufferWriter<byte>, IDisposable
{
    private const uint VersionStrict = 0x80010000;
    private byte[] buffer;
    private int position;

    public ThriftBinaryWriter(int initialCapacity = 4096)
    {
        buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 64));
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => position;

    /// <summary>The bytes written so far (valid until the next write or reset).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => buffer.AsMemory(0, position);

    /// <summary>The bytes written so far (valid until the next write or reset).</summary>
    public ReadOnlySpan<byte> WrittenSpan => buffer.AsSpan(0, position);

    /// <summary>Forgets the content; keeps the buffer (shrinking it when a huge message made it grow).</summary>
    public void Reset(int reserve = 0)
    {
        if (buffer.Length > 4 * 1024 * 1024)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(4096);
        }
        position = reserve;
    }

    /// <summary>Writes a big-endian i32 at an absolute offset already written (e.g. a frame length).</summary>
    public void PatchI32(int offset, int value) => BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(offset, 4), value);

    public void WriteMessageBegin(string name, ThriftMessageType type, int seqId)
    {
        WriteI32(unchecked((int)(VersionStrict | (uint)type)));
        WriteString(name);
        WriteI32(seqId);
    }

    public void WriteFieldBegin(ThriftType type, short id)
    {
        var span = Reserve(3);
        span[0] = (byte)type;
        BinaryPrimitives.WriteInt16BigEndian(span[1..], id);
    }

    public void WriteFieldStop() => WriteByte(0);

    public void WriteBool(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteByte(byte value)
    {
        if (position >= buffer.Length)
        {
            Grow(1);
        }
        buffer[position++] = value;
    }

    public void WriteI16(short value) => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), value);

    public void WriteI32(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    public void WriteI64(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);

    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleBigEndian(Reserve(8), value);

    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        var span = Reserve(4 + value.Length);
        BinaryPrimitives.WriteInt32BigEndian(span, value.Length);
        value.CopyTo(span[4..]);
    }

    public void WriteString(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var span = GetSpan(4 + max);
        var n = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32BigEndian(span, n);
        position += 4 + n;
    }

    public void WriteListBegin(ThriftType elementType, int count)
    {
        var span = Reserve(5);
        span[0] = (byte)elementType;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], count);
    }

    public void WriteSetBegin(ThriftType elementType, int count) => WriteListBegin(elementType, count);

    public void WriteMapBegin(ThriftType keyType, ThriftType valueType, int count)
    {
        var span = Reserve(6);
        span[0] = (byte)keyType;
        span[1] = (byte)valueType;
        BinaryPrimitives.WriteInt32BigEndian(span[2..], count);
    }

    /// <inheritdoc />
    public void Advance(int count) => position += count;

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(Math.Max(sizeHint, 1));
        return buffer.AsMemory(position);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(Math.Max(sizeHint, 1));
        return buffer.AsSpan(position);
    }

    public void Dispose()
    {
        var b = buffer;
        buffer = [];
        position = 0;
        if (b.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(b);
        }
    }

    private Span<byte> Reserve(int size)
    {
        if (buffer.Length - position < size)
        {
            Grow(size);
        }
        var span = buffer.AsSpan(position, size);
        position += size;
        return span;
    }

    private void EnsureCapacity(int size)
    {
        if (buffer.Length - position < size)
        {
            Grow(size);
        }
    }

    private void Grow(int size)
    {
        var needed = (long)position + size;
        var newSize = Math.Max(needed, (long)buffer.Length * 2);
        if (newSize > Array.MaxLength)
        {
            newSize = needed <= Array.MaxLength ? Array.MaxLength : throw new InvalidOperationException("Thrift message too large to encode.");
        }
        var bigger = ArrayPool<byte>.Shared.Rent((int)newSize);
        buffer.AsSpan(0, position).CopyTo(bigger);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        buffer = bigger;
    }
}
