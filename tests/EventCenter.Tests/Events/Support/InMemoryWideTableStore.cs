using System.Runtime.CompilerServices;
using System.Text;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Tests.Events.Support;

/// <summary>
/// A small in-memory <see cref="IWideTableStore"/> for unit tests of event-table logic only (one lock, no
/// durability). It keeps the contract's semantics (it runs the contract suite) and takes an injectable clock
/// for TTL, so retention can be tested by moving time.
/// </summary>
internal sealed class InMemoryWideTableStore(TimeProvider? clock = null) : IWideTableStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Dictionary<string, Table> _tables = [];
    private readonly Lock _lock = new();

    private long Now => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    public ValueTask EnsureTableAsync(TableSpec spec, CancellationToken cancellationToken = default)
    {
        StorageValidation.ValidateSpec(spec);
        lock (_lock)
        {
            if (!_tables.ContainsKey(spec.Name.Qualified))
            {
                _tables[spec.Name.Qualified] = new Table(spec);
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask PutAsync(TableName table, IReadOnlyList<Put> puts, CancellationToken cancellationToken = default)
    {
        StorageValidation.ValidatePuts(puts);
        lock (_lock)
        {
            var t = Find(table);
            foreach (var put in puts)
            {
                foreach (var cell in put.Cells)
                {
                    t.Family(table, cell.Family);
                }
            }
            var now = Now;
            foreach (var put in puts)
            {
                t.Put(put, now);
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<RowResult?> GetAsync(TableName table, Get get, CancellationToken cancellationToken = default)
    {
        StorageValidation.ValidateGet(get);
        lock (_lock)
        {
            var t = Find(table);
            return ValueTask.FromResult(t.Read(table, get.Row, get.Columns, get.TimeRange, get.MaxVersions, Now));
        }
    }

    public async ValueTask<IReadOnlyList<RowResult?>> GetManyAsync(TableName table, IReadOnlyList<Get> gets, CancellationToken cancellationToken = default)
    {
        var results = new RowResult?[gets.Count];
        for (var i = 0; i < gets.Count; i++)
        {
            results[i] = await GetAsync(table, gets[i], cancellationToken);
        }
        return results;
    }

    public async IAsyncEnumerable<RowResult> ScanAsync(TableName table, Scan scan, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageValidation.ValidateScan(scan);
        List<RowResult> rows;
        lock (_lock)
        {
            var t = Find(table);
            var now = Now;
            IEnumerable<KeyValuePair<byte[], Row>> range = t.Rows;
            if (scan.Reversed)
            {
                range = range.Reverse();
            }
            rows = [];
            foreach (var (key, _) in range)
            {
                if (!InRange(key, scan))
                {
                    continue;
                }
                if (t.Read(table, key, scan.Columns, scan.TimeRange, scan.MaxVersions, now) is { } row)
                {
                    rows.Add(row);
                    if (scan.Limit > 0 && rows.Count == scan.Limit)
                    {
                        break;
                    }
                }
            }
        }
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return row;
        }
    }

    public ValueTask DeleteAsync(TableName table, IReadOnlyList<Delete> deletes, CancellationToken cancellationToken = default)
    {
        StorageValidation.ValidateDeletes(deletes);
        lock (_lock)
        {
            var t = Find(table);
            foreach (var d in deletes)
            {
                foreach (var c in d.Columns ?? [])
                {
                    t.Family(table, c.Family);
                }
            }
            foreach (var d in deletes)
            {
                t.Delete(d);
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> CheckAndPutAsync(TableName table, byte[] row, byte[] family, byte[] qualifier, byte[]? expected, Put put, CancellationToken cancellationToken = default)
    {
        StorageValidation.ValidateRowKey(row);
        StorageValidation.ValidatePuts([put]);
        lock (_lock)
        {
            var t = Find(table);
            t.Family(table, family);
            var current = t.Read(table, row, [new ColumnSelector(family, qualifier)], TimeRange.All, 1, Now);
            var value = current?.Cells[0].Value;
            var matches = expected is null || expected.Length == 0 ? value is null || value.Length == 0 : value is not null && value.AsSpan().SequenceEqual(expected);
            if (!matches)
            {
                return ValueTask.FromResult(false);
            }
            foreach (var cell in put.Cells)
            {
                t.Family(table, cell.Family);
            }
            t.Put(put, Now);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Table Find(TableName table) =>
        _tables.TryGetValue(table.Qualified, out var t) ? t : throw new TableNotFoundException(table);

    private static bool InRange(byte[] key, Scan scan)
    {
        if (scan.Prefix.Length > 0 && !key.AsSpan().StartsWith(scan.Prefix))
        {
            return false;
        }
        if (scan.Reversed)
        {
            return (scan.StartRow.Length == 0 || RowKeys.Compare(key, scan.StartRow) <= 0)
                && (scan.StopRow.Length == 0 || RowKeys.Compare(key, scan.StopRow) > 0);
        }
        return (scan.StartRow.Length == 0 || RowKeys.Compare(key, scan.StartRow) >= 0)
            && (scan.StopRow.Length == 0 || RowKeys.Compare(key, scan.StopRow) < 0);
    }

    private sealed class ByteComparer : IComparer<byte[]>
    {
        public static readonly ByteComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }

    /// <summary>Columns of one row: (family, qualifier) → versions newest first.</summary>
    private sealed class Row
    {
        public SortedDictionary<byte[], SortedDictionary<byte[], SortedDictionary<long, byte[]>>> Families { get; } = new(ByteComparer.Instance);
    }

    private sealed class Table(TableSpec spec)
    {
        public SortedDictionary<byte[], Row> Rows { get; } = new(ByteComparer.Instance);

        public FamilySpec Family(TableName table, byte[] family)
        {
            var name = Encoding.ASCII.GetString(family);
            return spec.Families.FirstOrDefault(f => f.Name == name) ?? throw new NoSuchColumnFamilyException(table, name);
        }

        public void Put(Put put, long now)
        {
            if (!Rows.TryGetValue(put.Row, out var row))
            {
                Rows[put.Row.ToArray()] = row = new Row();
            }
            foreach (var cell in put.Cells)
            {
                if (!row.Families.TryGetValue(cell.Family, out var qualifiers))
                {
                    row.Families[cell.Family.ToArray()] = qualifiers = new SortedDictionary<byte[], SortedDictionary<long, byte[]>>(ByteComparer.Instance);
                }
                if (!qualifiers.TryGetValue(cell.Qualifier, out var versions))
                {
                    qualifiers[cell.Qualifier.ToArray()] = versions = new SortedDictionary<long, byte[]>(Comparer<long>.Create((a, b) => b.CompareTo(a)));
                }
                versions[cell.Timestamp == Cell.LatestTimestamp ? now : cell.Timestamp] = cell.Value.ToArray();
                var max = Family(new TableName(null, "t"), cell.Family).MaxVersions;
                while (versions.Count > max)
                {
                    versions.Remove(versions.Keys.Last());
                }
            }
        }

        public RowResult? Read(TableName table, byte[] key, IReadOnlyList<ColumnSelector>? columns, TimeRange range, int maxVersions, long now)
        {
            if (!Rows.TryGetValue(key, out var row))
            {
                return null;
            }
            foreach (var c in columns ?? [])
            {
                Family(table, c.Family);
            }
            var cells = new List<Cell>();
            foreach (var (family, qualifiers) in row.Families)
            {
                var ttl = Family(table, family).TimeToLive;
                foreach (var (qualifier, versions) in qualifiers)
                {
                    if (columns is { Count: > 0 } && !columns.Any(c => c.Family.AsSpan().SequenceEqual(family) && (c.Qualifier is null || c.Qualifier.AsSpan().SequenceEqual(qualifier))))
                    {
                        continue;
                    }
                    var taken = 0;
                    foreach (var (ts, value) in versions)
                    {
                        if (taken == maxVersions)
                        {
                            break;
                        }
                        if (ttl is { } t && ts < now - (long)t.TotalMilliseconds)
                        {
                            continue;
                        }
                        if (range.Contains(ts))
                        {
                            cells.Add(new Cell(family, qualifier, ts, value));
                            taken++;
                        }
                    }
                }
            }
            return cells.Count == 0 ? null : new RowResult(key, cells);
        }

        public void Delete(Delete d)
        {
            if (!Rows.TryGetValue(d.Row, out var row))
            {
                return;
            }
            foreach (var (family, qualifiers) in row.Families)
            {
                foreach (var (qualifier, versions) in qualifiers)
                {
                    var selected = d.Columns is null || d.Columns.Any(c => c.Family.AsSpan().SequenceEqual(family) && (c.Qualifier is null || c.Qualifier.AsSpan().SequenceEqual(qualifier)));
                    if (!selected)
                    {
                        continue;
                    }
                    foreach (var ts in versions.Keys.Where(ts => d.UpToTimestamp is null || ts <= d.UpToTimestamp).ToList())
                    {
                        versions.Remove(ts);
                    }
                }
            }
        }
    }
}
