namespace FeaturePlatform.EventCenter.Events;

/// <summary>
/// Compact binary form of a <see cref="ChangeEvent"/>, stored as one cell value.
/// </summary>
/// <remarks>
/// Format version 1 (all integers varint, signed ones zig-zag; strings varint length + UTF-8; nullable byte
/// arrays varint (length+1), 0 = null):
/// <c>version(=1) operation source entityKey eventTime ingestTime stream partition offset eventId before after
/// headerCount (name value)*</c>, headers sorted by name (ordinal) so equal events encode to equal bytes.
/// The leading version byte lets later formats be added while old cells stay readable.
/// The value is self-contained (it repeats the key fields) so an event decodes without its row key.
/// </remarks>
public static class EventCodec
{
    /// <summary>The format version <see cref="Encode"/> writes.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>Encodes an event.</summary>
    public static byte[] Encode(ChangeEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var buffer = new ByteBuffer(64 + (e.Before?.Length ?? 0) + (e.After?.Length ?? 0));
        EncodeTo(e, buffer);
        return buffer.ToArray();
    }

    internal static void EncodeTo(ChangeEvent e, ByteBuffer buffer)
    {
        buffer.WriteByte(CurrentVersion);
        buffer.WriteByte((byte)e.Operation);
        buffer.WriteString(e.Source);
        buffer.WriteString(e.EntityKey);
        buffer.WriteVarInt64(e.EventTime);
        buffer.WriteVarInt64(e.IngestTime);
        buffer.WriteString(e.Position.Stream);
        buffer.WriteVarInt64(e.Position.Partition);
        buffer.WriteVarInt64(e.Position.Offset);
        buffer.WriteString(e.EventId);
        buffer.WriteNullableBytes(e.Before);
        buffer.WriteNullableBytes(e.After);
        buffer.WriteVarUInt64((ulong)e.Headers.Count);
        foreach (var (name, value) in e.Headers.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            buffer.WriteString(name);
            buffer.WriteString(value);
        }
    }

    /// <summary>Decodes an event.</summary>
    /// <exception cref="FormatException">Unknown version, unknown operation, or truncated/trailing data.</exception>
    public static ChangeEvent Decode(ReadOnlySpan<byte> data)
    {
        var reader = new ByteReader(data);
        var version = reader.ReadByte();
        if (version != 1)
        {
            throw new FormatException($"Unknown event format version {version}.");
        }
        var operation = reader.ReadByte();
        if (operation is < (byte)EventOperation.Insert or > (byte)EventOperation.Message)
        {
            throw new FormatException($"Unknown event operation {operation}.");
        }
        var source = reader.ReadString();
        var entityKey = reader.ReadString();
        var eventTime = reader.ReadVarInt64();
        var ingestTime = reader.ReadVarInt64();
        var position = new SourcePosition(reader.ReadString(), checked((int)reader.ReadVarInt64()), reader.ReadVarInt64());
        var eventId = reader.ReadString();
        var before = reader.ReadNullableBytes();
        var after = reader.ReadNullableBytes();
        var headerCount = reader.ReadVarUInt64();
        var headers = new Dictionary<string, string>();
        for (ulong i = 0; i < headerCount; i++)
        {
            var name = reader.ReadString();
            headers[name] = reader.ReadString();
        }
        if (!reader.AtEnd)
        {
            throw new FormatException($"Trailing bytes after the event at {reader.Position}.");
        }
        return new ChangeEvent
        {
            Source = source, EntityKey = entityKey, Operation = (EventOperation)operation, EventTime = eventTime,
            IngestTime = ingestTime, Position = position, EventId = eventId, Before = before, After = after, Headers = headers,
        };
    }
}
