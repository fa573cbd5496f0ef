using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.EventCenter.Ingestion.Formats;

/// <summary>
/// Event ids derived from what an event says rather than where it was read: a message delivered twice — by a
/// producer retry, a forwarder re-publishing after a crash, a replayed binlog — gets the same id at any offset, so
/// the event center stores it once. Format: <c>#</c> + 32 hex digits of SHA-256 over source, entity key,
/// operation, event time, images and the format's own change coordinates (e.g. Debezium's source block).
/// </summary>
internal static class ContentIds
{
    public static string For(string source, string key, EventOperation operation, long eventTime, byte[]? before, byte[]? after, ReadOnlySpan<byte> coordinates, int rowIndex)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendText(hash, source);
        AppendText(hash, key);
        Span<byte> number = stackalloc byte[9];
        BinaryPrimitives.WriteInt64BigEndian(number, eventTime);
        number[8] = (byte)operation;
        hash.AppendData(number);
        AppendBytes(hash, before, before is not null);
        AppendBytes(hash, after, after is not null);
        AppendBytes(hash, coordinates, true);
        AppendLength(hash, rowIndex);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return "#" + Convert.ToHexStringLower(digest[..16]);
    }

    private static void AppendText(IncrementalHash hash, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        AppendBytes(hash, bytes, true);
    }

    private static void AppendBytes(IncrementalHash hash, ReadOnlySpan<byte> bytes, bool present)
    {
        // Length-prefixed, so field boundaries cannot shift between two different events.
        AppendLength(hash, present ? bytes.Length : -1);
        hash.AppendData(bytes);
    }

    private static void AppendLength(IncrementalHash hash, int length)
    {
        Span<byte> prefix = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, length);
        hash.AppendData(prefix);
    }
}
