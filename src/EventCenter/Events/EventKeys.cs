namespace FeaturePlatform.EventCenter.Events;

/// <summary>
/// Row keys of the event tables. Strings are <see cref="OrderedBytes"/>-escaped (self-delimiting), times and
/// numbers are sign-flipped big-endian, so byte order is value order.
/// <list type="bullet">
/// <item>main: <c>salt source entity time stream partition offset eventId</c>, salt = hash(source, entity) mod N.
/// One entity's events are one prefix, in (time, position, id) order: the deterministic tie-break.</item>
/// <item>time index: <c>salt source time stream partition offset eventId entity</c>, same salt as the main row,
/// so a source's range is N per-salt scans merged by (time, position, id, entity).</item>
/// <item>id index: <c>salt source eventId</c>, salt = hash(source, eventId) mod N; the value is the main key.</item>
/// </list>
/// </summary>
internal sealed class EventKeys
{
    public EventKeys(int saltBuckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(saltBuckets, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(saltBuckets, 256);
        SaltBuckets = saltBuckets;
    }

    public int SaltBuckets { get; }

    public byte Salt(string a, string b) => (byte)(StableHash.Of(a, b) % (uint)SaltBuckets);

    /// <summary>Prefix of every main row of one entity.</summary>
    public byte[] EntityPrefix(string source, string entityKey)
    {
        var buffer = new ByteBuffer(64);
        WriteEntityPrefix(buffer, source, entityKey);
        return buffer.ToArray();
    }

    /// <summary>The entity prefix followed by an event time: the first possible key at that time.</summary>
    public byte[] EntityAtTime(string source, string entityKey, long time)
    {
        var buffer = new ByteBuffer(72);
        WriteEntityPrefix(buffer, source, entityKey);
        OrderedBytes.WriteInt64(buffer, time);
        return buffer.ToArray();
    }

    /// <summary>An entity prefix followed by a time (same bytes as <see cref="EntityAtTime"/>, without re-hashing).</summary>
    public static byte[] AppendTime(byte[] entityPrefix, long time)
    {
        var key = new byte[entityPrefix.Length + 8];
        entityPrefix.CopyTo(key, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(entityPrefix.Length), time ^ long.MinValue);
        return key;
    }

    public byte[] MainKey(ChangeEvent e)
    {
        var buffer = new ByteBuffer(96);
        WriteEntityPrefix(buffer, e.Source, e.EntityKey);
        WriteTimeAndTieBreak(buffer, e);
        return buffer.ToArray();
    }

    public byte[] TimeKey(ChangeEvent e)
    {
        var buffer = new ByteBuffer(96);
        buffer.WriteByte(Salt(e.Source, e.EntityKey));
        OrderedBytes.WriteString(buffer, e.Source);
        WriteTimeAndTieBreak(buffer, e);
        OrderedBytes.WriteString(buffer, e.EntityKey);
        return buffer.ToArray();
    }

    /// <summary>Prefix of the time-index rows of one source in one salt bucket, optionally followed by a time.</summary>
    public byte[] SourceSaltPrefix(byte salt, string source, long? time = null)
    {
        var buffer = new ByteBuffer(48);
        buffer.WriteByte(salt);
        OrderedBytes.WriteString(buffer, source);
        if (time is { } t)
        {
            OrderedBytes.WriteInt64(buffer, t);
        }
        return buffer.ToArray();
    }

    public byte[] IdKey(string source, string eventId)
    {
        var buffer = new ByteBuffer(64);
        buffer.WriteByte(Salt(source, eventId));
        OrderedBytes.WriteString(buffer, source);
        OrderedBytes.WriteString(buffer, eventId);
        return buffer.ToArray();
    }

    /// <summary>Rebuilds the main key from a time-index key (both hold the same parts in another order).</summary>
    public static byte[] MainKeyFromTimeKey(ReadOnlySpan<byte> timeKey)
    {
        var sourceEnd = OrderedBytes.SkipString(timeKey, 1);
        var streamEnd = OrderedBytes.SkipString(timeKey, sourceEnd + 8);
        var idEnd = OrderedBytes.SkipString(timeKey, streamEnd + 12);
        var entity = timeKey[idEnd..];
        var main = new byte[timeKey.Length];
        timeKey[..sourceEnd].CopyTo(main);
        entity.CopyTo(main.AsSpan(sourceEnd));
        timeKey[sourceEnd..idEnd].CopyTo(main.AsSpan(sourceEnd + entity.Length));
        return main;
    }

    private void WriteEntityPrefix(ByteBuffer buffer, string source, string entityKey)
    {
        buffer.WriteByte(Salt(source, entityKey));
        OrderedBytes.WriteString(buffer, source);
        OrderedBytes.WriteString(buffer, entityKey);
    }

    private static void WriteTimeAndTieBreak(ByteBuffer buffer, ChangeEvent e)
    {
        OrderedBytes.WriteInt64(buffer, e.EventTime);
        OrderedBytes.WriteString(buffer, e.Position.Stream);
        OrderedBytes.WriteInt32(buffer, e.Position.Partition);
        OrderedBytes.WriteInt64(buffer, e.Position.Offset);
        OrderedBytes.WriteString(buffer, e.EventId);
    }
}
