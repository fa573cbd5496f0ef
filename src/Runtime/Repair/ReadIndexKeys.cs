using System.Buffers.Binary;
using System.Text;

namespace FeaturePlatform.Runtime.Repair;

/// <summary>
/// The read index's row keys (layout 2). Every string is escaped so that any character, NUL included, keeps its
/// place and byte order: a 0x00 byte is written 0x00 0xFF and a string ends with 0x00 0x01, so the terminated form of
/// one entity key is never a prefix of another's.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Reads: <c>0x00 'R' · salt · source⁎ · bucket · key⁎ · until · job⁎ · trigger source⁎ · trigger id⁎</c>
/// (⁎ escaped and terminated; bucket and until 8 bytes, big-endian, sign flipped). Time-major per entity's salt:
/// a batch's rows land in the current bucket's small subtree instead of at random places in the whole index.</item>
/// <item>Buckets: <c>0x00 'B' · source⁎ · bucket</c>, one row per bucket that holds reads of the source, so a lookup
/// visits exactly the non-empty buckets from the event's on.</item>
/// <item>Layout 1 (before): <c>source␀key␀until␀job␀trigger source␀trigger id</c>, unescaped; its rows all start with a
/// byte ≥ 0x01 (a source name's first character), layout 2's with 0x00.</item>
/// </list>
/// </remarks>
internal static class ReadIndexKeys
{
    /// <summary>Width of a bucket of as-of times: 1 minute (fixed: stored keys depend on it).</summary>
    public const long BucketMs = 60_000;

    /// <summary>Salts (the first byte after the marker): spreads an HBase table's writes over as many regions.</summary>
    public const int Salts = 16;

    private const byte Marker = 0x00;
    private const byte ReadsTag = (byte)'R';
    private const byte BucketsTag = (byte)'B';

    /// <summary>Where layout 1's rows start: every key from here on is a layout-1 row.</summary>
    public static readonly byte[] LegacyStart = [0x01];

    /// <summary>The bucket of an as-of time (floor division: negative times included).</summary>
    public static long Bucket(long until) => Math.DivRem(until, BucketMs, out var rest) - (rest < 0 ? 1 : 0);

    /// <summary>The first as-of time of <paramref name="bucket"/>.</summary>
    public static long BucketStart(long bucket) => bucket * BucketMs;

    /// <summary>The row of one read.</summary>
    public static byte[] Read(string source, string key, long until, string job, string triggerSource, string triggerId)
    {
        var max = 3 + 16 + MaxEscaped(source) + MaxEscaped(key) + MaxEscaped(job) + MaxEscaped(triggerSource) + MaxEscaped(triggerId);
        Span<byte> into = max <= 1024 ? stackalloc byte[max] : new byte[max];
        into[0] = Marker;
        into[1] = ReadsTag;
        into[2] = Salt(source, key);
        var at = 3;
        at += Escape(source, into[at..]);
        WriteTime(into[at..], Bucket(until));
        at += 8;
        at += Escape(key, into[at..]);
        WriteTime(into[at..], until);
        at += 8;
        at += Escape(job, into[at..]);
        at += Escape(triggerSource, into[at..]);
        at += Escape(triggerId, into[at..]);
        return into[..at].ToArray();
    }

    /// <summary>The most bytes <paramref name="value"/> takes escaped and terminated (every UTF-8 byte a NUL, at worst).</summary>
    private static int MaxEscaped(string value) => 2 * Encoding.UTF8.GetMaxByteCount(value.Length) + 2;

    /// <summary>Writes <paramref name="value"/> escaped and terminated into <paramref name="into"/>; returns the bytes written.</summary>
    private static int Escape(string value, Span<byte> into)
    {
        var length = Encoding.UTF8.GetBytes(value, into);
        var nuls = into[..length].Count((byte)0);
        if (nuls > 0)
        {
            // Spread from the end: each NUL becomes 0x00 0xFF.
            var to = length + nuls - 1;
            for (var from = length - 1; from >= 0; from--)
            {
                if (into[from] == 0)
                {
                    into[to--] = 0xFF;
                }
                into[to--] = into[from];
            }
            length += nuls;
        }
        into[length] = 0;
        into[length + 1] = 1;
        return length + 2;
    }

    /// <summary>The prefix of every read of <paramref name="key"/> of <paramref name="source"/> in <paramref name="bucket"/>.</summary>
    public static byte[] ReadsPrefix(string source, string key, long bucket)
    {
        var into = new List<byte>(48) { Marker, ReadsTag, Salt(source, key) };
        Append(into, source);
        AppendTime(into, bucket);
        Append(into, key);
        return [.. into];
    }

    /// <summary>The row recording that <paramref name="bucket"/> holds reads of <paramref name="source"/>.</summary>
    public static byte[] BucketRow(string source, long bucket)
    {
        var into = BucketsPrefix(source);
        AppendTime(into, bucket);
        return [.. into];
    }

    /// <summary>The prefix of <paramref name="source"/>'s bucket rows.</summary>
    public static List<byte> BucketsPrefix(string source)
    {
        var into = new List<byte>(32) { Marker, BucketsTag };
        Append(into, source);
        return into;
    }

    /// <summary>The bucket of a bucket row whose prefix is <paramref name="prefixLength"/> bytes.</summary>
    public static long BucketOf(ReadOnlySpan<byte> row, int prefixLength) => ReadTime(row[prefixLength..]);

    /// <summary>The as-of time and the computation of a read row found under <paramref name="prefixLength"/> bytes of prefix.</summary>
    public static (long Until, string Job, string TriggerSource, string TriggerId) ParseRead(ReadOnlySpan<byte> row, int prefixLength)
    {
        var rest = row[prefixLength..];
        var until = ReadTime(rest);
        rest = rest[8..];
        var job = Take(ref rest);
        var triggerSource = Take(ref rest);
        var triggerId = Take(ref rest);
        return (until, job, triggerSource, triggerId);
    }

    /// <summary>Big-endian with the sign bit flipped: byte order is numeric order, negative times included.</summary>
    public static void WriteTime(Span<byte> into, long time) => BinaryPrimitives.WriteUInt64BigEndian(into, unchecked((ulong)time ^ 0x8000_0000_0000_0000UL));

    /// <summary>The inverse of <see cref="WriteTime"/>.</summary>
    public static long ReadTime(ReadOnlySpan<byte> from) => unchecked((long)(BinaryPrimitives.ReadUInt64BigEndian(from) ^ 0x8000_0000_0000_0000UL));

    /// <summary>Layout 1's prefix of an entity's reads (unescaped, as it was written).</summary>
    public static byte[] LegacyPrefix(string source, string key) => [.. Encoding.UTF8.GetBytes(source), 0, .. Encoding.UTF8.GetBytes(key), 0];

    /// <summary>FNV-1a of the source and key, reduced to a salt: the same in every process and version.</summary>
    private static byte Salt(string source, string key)
    {
        var hash = 2166136261u;
        foreach (var c in source)
        {
            hash = (hash ^ c) * 16777619u;
        }
        hash = (hash ^ 0xFFFF) * 16777619u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (byte)(hash % Salts);
    }

    private static void Append(List<byte> into, string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> buffer = max <= 512 ? stackalloc byte[max] : new byte[max];
        var bytes = buffer[..Encoding.UTF8.GetBytes(value, buffer)];
        foreach (var b in bytes)
        {
            into.Add(b);
            if (b == 0)
            {
                into.Add(0xFF);
            }
        }
        into.Add(0);
        into.Add(1);
    }

    private static void AppendTime(List<byte> into, long time)
    {
        Span<byte> bytes = stackalloc byte[8];
        WriteTime(bytes, time);
        foreach (var b in bytes)
        {
            into.Add(b);
        }
    }

    /// <summary>Reads one escaped, terminated string and moves past it.</summary>
    private static string Take(ref ReadOnlySpan<byte> rest)
    {
        var bytes = new List<byte>(rest.Length);
        var i = 0;
        while (i < rest.Length)
        {
            var b = rest[i++];
            if (b != 0)
            {
                bytes.Add(b);
                continue;
            }
            if (i >= rest.Length)
            {
                throw new FormatException("A read-index key ends inside an escape.");
            }
            switch (rest[i++])
            {
                case 1:
                    rest = rest[i..];
                    return Encoding.UTF8.GetString([.. bytes]);
                case 0xFF:
                    bytes.Add(0);
                    break;
                default:
                    throw new FormatException("A read-index key has an unknown escape.");
            }
        }
        throw new FormatException("A read-index key ends without its terminator.");
    }
}
