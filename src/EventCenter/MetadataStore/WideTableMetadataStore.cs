using System.Buffers.Binary;
using System.Text;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.MetadataStore;

/// <summary>
/// The metadata store on a wide table of the event center's storage (normally the hot store: embedded SQLite on one
/// machine, HBase in production). One row per (kind, name) and one revision counter row per kind; revisions come from
/// the counter by check-and-put and a record is replaced only by check-and-put on its revision, so concurrent writers
/// in several processes never lose an update silently.
/// </summary>
/// <param name="store">The storage.</param>
/// <param name="table">The table. Default: <c>metadata</c>.</param>
/// <param name="clock">Clock of the change times.</param>
public sealed class WideTableMetadataStore(IWideTableStore store, TableName? table = null, TimeProvider? clock = null) : IMetadataStore
{
    private static readonly byte[] Family = "m"u8.ToArray();
    private static readonly byte[] JsonColumn = "json"u8.ToArray();
    private static readonly byte[] RevisionColumn = "rev"u8.ToArray();
    private static readonly byte[] ByColumn = "by"u8.ToArray();
    private static readonly byte[] AtColumn = "at"u8.ToArray();
    private static readonly byte[] DeletedColumn = "del"u8.ToArray();
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    /// <summary>The table.</summary>
    public TableName Table { get; } = table ?? new TableName(null, "metadata");

    /// <inheritdoc />
    public ValueTask EnsureAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("m")]), cancellationToken);

    /// <inheritdoc />
    public async ValueTask<MetadataRecord?> GetAsync(string kind, string name, CancellationToken cancellationToken = default)
    {
        Check(kind, name);
        var row = await store.GetAsync(Table, new Get(RecordKey(kind, name)), cancellationToken);
        return row is null ? null : Decode(kind, name, row);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<MetadataRecord>> ListAsync(string kind, CancellationToken cancellationToken = default)
    {
        Check(kind, "x");
        var prefix = Encoding.UTF8.GetBytes("r\0" + kind + "\0");
        var records = new List<MetadataRecord>();
        await foreach (var row in store.ScanAsync(Table, new Scan { StartRow = prefix, StopRow = RowKeys.PrefixEnd(prefix) }, cancellationToken))
        {
            var name = Encoding.UTF8.GetString(row.Row.AsSpan(prefix.Length));
            if (Decode(kind, name, row) is { } record)
            {
                records.Add(record);
            }
        }
        return [.. records.OrderBy(r => r.Name, StringComparer.Ordinal)];
    }

    /// <inheritdoc />
    public async ValueTask<long> GetRevisionAsync(string kind, CancellationToken cancellationToken = default)
    {
        Check(kind, "x");
        var row = await store.GetAsync(Table, new Get(CounterKey(kind)), cancellationToken);
        return Long(row?.Cells.FirstOrDefault(c => c.Qualifier.AsSpan().SequenceEqual(RevisionColumn)).Value) ?? 0;
    }

    /// <inheritdoc />
    public async ValueTask<MetadataRecord> WriteAsync(string kind, string name, string? json, MetadataExpectation expected, string changedBy,
        CancellationToken cancellationToken = default)
    {
        Check(kind, name);
        ArgumentException.ThrowIfNullOrWhiteSpace(changedBy);
        var key = RecordKey(kind, name);
        while (true)
        {
            var stored = await GetAsync(kind, name, cancellationToken);
            if (!expected.Matches(stored))
            {
                throw new MetadataConflictException(kind, name, expected, stored);
            }
            var revision = await NextRevisionAsync(kind, cancellationToken);
            var at = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var cells = new List<Cell>
            {
                new(Family, RevisionColumn, revision, Bytes(revision)),
                new(Family, ByColumn, revision, Encoding.UTF8.GetBytes(changedBy)),
                new(Family, AtColumn, revision, Bytes(at)),
                new(Family, DeletedColumn, revision, [json is null ? (byte)1 : (byte)0]),
                new(Family, JsonColumn, revision, json is null ? [] : Encoding.UTF8.GetBytes(json)),
            };
            // Replaced only if nobody wrote it since it was read: a lost race is read again and judged again.
            if (await store.CheckAndPutAsync(Table, key, Family, RevisionColumn, stored is null ? null : Bytes(stored.Revision), new Put(key, cells), cancellationToken))
            {
                return new MetadataRecord(kind, name, json, revision, changedBy, at);
            }
        }
    }

    private async ValueTask<long> NextRevisionAsync(string kind, CancellationToken cancellationToken)
    {
        var key = CounterKey(kind);
        while (true)
        {
            var current = await GetRevisionAsync(kind, cancellationToken);
            var next = current + 1;
            if (await store.CheckAndPutAsync(Table, key, Family, RevisionColumn, current == 0 ? null : Bytes(current),
                new Put(key, [new Cell(Family, RevisionColumn, next, Bytes(next))]), cancellationToken))
            {
                return next;
            }
        }
    }

    private static MetadataRecord? Decode(string kind, string name, RowResult row)
    {
        byte[]? Value(byte[] column) => row.Cells.FirstOrDefault(c => c.Qualifier.AsSpan().SequenceEqual(column)).Value;
        if (Long(Value(RevisionColumn)) is not { } revision)
        {
            return null;
        }
        var deleted = Value(DeletedColumn) is [1];
        var json = deleted ? null : Encoding.UTF8.GetString(Value(JsonColumn) ?? []);
        return new MetadataRecord(kind, name, json, revision, Encoding.UTF8.GetString(Value(ByColumn) ?? []), Long(Value(AtColumn)) ?? 0);
    }

    private static byte[] RecordKey(string kind, string name) => Encoding.UTF8.GetBytes("r\0" + kind + "\0" + name);

    private static byte[] CounterKey(string kind) => Encoding.UTF8.GetBytes("c\0" + kind);

    private static byte[] Bytes(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static long? Long(byte[]? bytes) => bytes is { Length: 8 } ? BinaryPrimitives.ReadInt64BigEndian(bytes) : null;

    internal static void Check(string kind, string name)
    {
        if (string.IsNullOrEmpty(kind) || kind.Contains('\0', StringComparison.Ordinal) || string.IsNullOrEmpty(name) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("Metadata kinds and names must be non-empty and contain no NUL character.");
        }
    }
}
