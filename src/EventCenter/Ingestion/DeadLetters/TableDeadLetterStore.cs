using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Ingestion.DeadLetters;

/// <summary>
/// Dead letters in a wide table of the event center's storage (HBase or embedded): row
/// <c>source, inverted rejection time, stream, partition, offset</c> so a prefix scan lists a source's newest first,
/// and a second row <c>ALL, inverted rejection time, source, stream, partition, offset</c> so one scan lists every
/// source's newest first. Records written before the second row existed are listed per source only.
/// </summary>
public sealed class TableDeadLetterStore : IDeadLetterSink, IDeadLetterReader
{
    private const string NoSource = "\u0001unknown";
    private const string AllSources = "\u0002all";
    private static readonly byte[] Family = "d"u8.ToArray();
    private static readonly byte[] ReasonColumn = "reason"u8.ToArray();
    private static readonly byte[] KeyColumn = "key"u8.ToArray();
    private static readonly byte[] ValueColumn = "value"u8.ToArray();
    private static readonly byte[] HeadersColumn = "headers"u8.ToArray();
    private static readonly byte[] MetaColumn = "meta"u8.ToArray();
    private static readonly byte[] KindColumn = "kind"u8.ToArray();
    private static readonly byte[] ConflictIdColumn = "conflict_id"u8.ToArray();
    private static readonly byte[] ConflictStoredColumn = "conflict_stored"u8.ToArray();
    private static readonly byte[] ConflictIncomingColumn = "conflict_incoming"u8.ToArray();
    private readonly IWideTableStore store;

    /// <summary>Dead letters in <paramref name="table"/> (default <c>dead_letters</c>) of <paramref name="store"/>.</summary>
    public TableDeadLetterStore(IWideTableStore store, TableName? table = null, TimeSpan? retention = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
        Table = table ?? new TableName(null, "dead_letters");
        Retention = retention ?? TimeSpan.FromDays(30);
    }

    /// <summary>The table.</summary>
    public TableName Table { get; }

    /// <summary>How long dead letters are kept (family TTL). Default: 30 days.</summary>
    public TimeSpan Retention { get; }

    /// <summary>Creates (embedded) or verifies (HBase) the table.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("d", 1, Retention)]), cancellationToken);

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<DeadLetter> letters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letters);
        if (letters.Count == 0)
        {
            return;
        }
        var puts = new List<Put>(letters.Count * 2);
        foreach (var letter in letters)
        {
            var cells = Cells(letter);
            puts.Add(new Put(RowKey(letter.Source, letter.RejectedAt, letter.Position), cells));
            puts.Add(new Put(AllRowKey(letter.Source, letter.RejectedAt, letter.Position), cells));
        }
        await store.PutAsync(Table, puts, cancellationToken);
    }

    private static List<Cell> Cells(DeadLetter letter)
    {
        var ts = letter.RejectedAt;
        var meta = new byte[8 + 4];
        BinaryPrimitives.WriteInt64BigEndian(meta, letter.RejectedAt);
        BinaryPrimitives.WriteInt32BigEndian(meta.AsSpan(8), letter.Key is null ? -1 : letter.Key.Length);
        var cells = new List<Cell>
        {
            new(Family, ReasonColumn, ts, Encoding.UTF8.GetBytes(letter.Reason)),
            new(Family, KeyColumn, ts, letter.Key ?? []),
            new(Family, ValueColumn, ts, letter.Value),
            new(Family, HeadersColumn, ts, HeaderCodec.Encode(letter.Headers) ?? []),
            new(Family, MetaColumn, ts, meta),
            new(Family, KindColumn, ts, Encoding.UTF8.GetBytes(letter.Kind.ToString())),
        };
        if (letter.Conflict is { } conflict)
        {
            cells.Add(new(Family, ConflictIdColumn, ts, Encoding.UTF8.GetBytes(conflict.EventId)));
            cells.Add(new(Family, ConflictStoredColumn, ts, conflict.Stored));
            cells.Add(new(Family, ConflictIncomingColumn, ts, conflict.Incoming));
        }
        return cells;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<DeadLetter> RecentOfAllAsync(int limit, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var prefix = SourcePrefix(AllSources);
        await foreach (var row in store.ScanAsync(Table, new Scan { Prefix = prefix, Limit = limit, PageSize = Math.Min(limit, 256) }, cancellationToken))
        {
            var offset = prefix.Length + 8;
            var source = OrderedBytes.ReadString(row.Row, ref offset);
            yield return Decode(source == NoSource ? null : source, row, offset);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<DeadLetter> RecentAsync(string? source, int limit, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var prefix = SourcePrefix(source);
        await foreach (var row in store.ScanAsync(Table, new Scan { Prefix = prefix, Limit = limit, PageSize = Math.Min(limit, 256) }, cancellationToken))
        {
            yield return Decode(source, row, prefix.Length + 8);
        }
    }

    private static byte[] SourcePrefix(string? source)
    {
        var buffer = new ByteBuffer(32);
        OrderedBytes.WriteString(buffer, source ?? NoSource);
        return buffer.ToArray();
    }

    private static byte[] AllRowKey(string? source, long rejectedAt, SourcePosition position)
    {
        var buffer = new ByteBuffer(80);
        OrderedBytes.WriteString(buffer, AllSources);
        OrderedBytes.WriteInt64(buffer, long.MaxValue - rejectedAt);
        OrderedBytes.WriteString(buffer, source ?? NoSource);
        WritePosition(buffer, position);
        return buffer.ToArray();
    }

    private static void WritePosition(ByteBuffer buffer, SourcePosition position)
    {
        OrderedBytes.WriteString(buffer, position.Stream);
        OrderedBytes.WriteInt32(buffer, position.Partition);
        OrderedBytes.WriteInt64(buffer, position.Offset);
    }

    private static byte[] RowKey(string? source, long rejectedAt, SourcePosition position)
    {
        var buffer = new ByteBuffer(64);
        OrderedBytes.WriteString(buffer, source ?? NoSource);
        OrderedBytes.WriteInt64(buffer, long.MaxValue - rejectedAt);
        WritePosition(buffer, position);
        return buffer.ToArray();
    }

    /// <summary>Decodes a row whose key has the position at <paramref name="offset"/>.</summary>
    private static DeadLetter Decode(string? source, RowResult row, int offset)
    {
        byte[]? Optional(byte[] qualifier)
        {
            foreach (var cell in row.Cells)
            {
                if (cell.Qualifier.AsSpan().SequenceEqual(qualifier))
                {
                    return cell.Value;
                }
            }
            return null;
        }
        byte[] Column(byte[] qualifier) => Optional(qualifier) ?? throw new InvalidDataException("Dead-letter row without column " + Encoding.UTF8.GetString(qualifier));
        var stream = OrderedBytes.ReadString(row.Row, ref offset);
        var partition = BinaryPrimitives.ReadInt32BigEndian(row.Row.AsSpan(offset)) ^ int.MinValue;
        var position = BinaryPrimitives.ReadInt64BigEndian(row.Row.AsSpan(offset + 4)) ^ long.MinValue;
        var meta = Column(MetaColumn);
        var keyLength = BinaryPrimitives.ReadInt32BigEndian(meta.AsSpan(8));
        return new DeadLetter(
            source,
            new SourcePosition(stream, partition, position),
            Encoding.UTF8.GetString(Column(ReasonColumn)),
            keyLength < 0 ? null : Column(KeyColumn),
            Column(ValueColumn),
            HeaderCodec.Decode(Column(HeadersColumn)),
            BinaryPrimitives.ReadInt64BigEndian(meta),
            Optional(KindColumn) is { } kind && Enum.TryParse<DeadLetterKind>(Encoding.UTF8.GetString(kind), out var k) ? k : DeadLetterKind.Malformed,
            Optional(ConflictIdColumn) is { } id
                ? new EventConflict(Encoding.UTF8.GetString(id), Optional(ConflictStoredColumn) ?? [], Optional(ConflictIncomingColumn) ?? [])
                : null);
    }
}
