using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FeaturePlatform.EventCenter.Events;

/// <summary>
/// Event ids. An event's id names where the change sits in its source's log (a CDC position, a message id);
/// only when a format gives none is it the bus position. Ids are opaque strings to storage: stored ids of any
/// earlier shape (e.g. the content ids <c>#…</c> of older versions) are read and compared as they are.
/// </summary>
public static class EventIds
{
    /// <summary>First character of ids made from a bus position, and of no other id.</summary>
    public const char BusPositionPrefix = '@';

    /// <summary>Longest id the parsers make; longer positions keep a readable head and a hash of the whole.</summary>
    public const int MaxLength = 200;

    /// <summary>
    /// A deterministic id from the bus position: <c>@stream/partition/offset</c>. Re-delivery of the same
    /// position yields the same id; a re-send at another offset does not (which is why sources that carry a
    /// position of their own use that instead).
    /// </summary>
    public static string FromPosition(SourcePosition position) =>
        string.Create(CultureInfo.InvariantCulture, $"@{position.Stream}/{position.Partition}/{position.Offset}");

    /// <summary>The bus-position id of row <paramref name="rowIndex"/> of a message carrying <paramref name="rowCount"/> rows.</summary>
    public static string FromPositionAndRow(SourcePosition position, int rowIndex, int rowCount) =>
        rowCount > 1 ? FromPosition(position) + RowSuffix(rowIndex) : FromPosition(position);

    /// <summary>True for ids made by <see cref="FromPosition"/>: the source named the event no better than the bus did.</summary>
    public static bool IsBusPosition(string eventId) => eventId is { Length: > 0 } && eventId[0] == BusPositionPrefix;

    /// <summary>
    /// <c>:000003</c>: the suffix naming a row inside one message. Zero-padded so ids of one message sort in row
    /// order, because the event id is the last tie-break of the event key.
    /// </summary>
    public static string RowSuffix(int rowIndex) => ":" + rowIndex.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>head:000003:key</c>: row <paramref name="rowIndex"/> of a message, further named by its primary key. A key
    /// that would make the id longer than <see cref="MaxLength"/> is replaced by a hash of it; the head and the row
    /// suffix stay readable, so the ids of one message still sort in row order.
    /// </summary>
    public static string RowWithKey(string head, int rowIndex, string rowKey)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(rowKey);
        var prefix = head + RowSuffix(rowIndex) + ":";
        return prefix.Length + rowKey.Length <= MaxLength
            ? prefix + rowKey
            : prefix + "~" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rowKey)).AsSpan(0, 16));
    }

    /// <summary>
    /// Joins position parts with ':' behind <paramref name="scheme"/> (missing parts stay empty, so a part never
    /// shifts into another's place). Over <see cref="MaxLength"/> characters the tail is replaced by a hash of the
    /// whole text: still a function of the position only, so a re-send gets the same id.
    /// </summary>
    public static string FromSourcePosition(string scheme, params ReadOnlySpan<string?> parts)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        if (scheme[0] == BusPositionPrefix)
        {
            throw new ArgumentException("Source-position ids must not start with the bus-position prefix.", nameof(scheme));
        }
        var text = new StringBuilder(scheme);
        foreach (var part in parts)
        {
            text.Append(':').Append(part);
        }
        var id = text.ToString();
        if (id.Length <= MaxLength)
        {
            return id;
        }
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(id));
        const int Head = MaxLength - 34;
        return id[..Head] + "~" + Convert.ToHexStringLower(digest.AsSpan(0, 16));
    }

    /// <summary>
    /// Id of a correction event (offline correction against the source database): <c>#</c> + 32 hex digits of
    /// SHA-256 over source, key, operation, time, images and <paramref name="coordinates"/>. Corrections have no log
    /// position; their content names them, so running the same correction twice writes nothing new. (The same
    /// function gave the content ids of ingested events before identity moved to source positions.)
    /// </summary>
    public static string ForCorrection(string source, string key, EventOperation operation, long eventTime, byte[]? before, byte[]? after, ReadOnlySpan<byte> coordinates, int rowIndex)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(key);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendBytes(hash, Encoding.UTF8.GetBytes(source), true);
        AppendBytes(hash, Encoding.UTF8.GetBytes(key), true);
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
