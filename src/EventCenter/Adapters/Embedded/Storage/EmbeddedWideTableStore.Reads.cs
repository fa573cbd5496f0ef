using System.Runtime.CompilerServices;
using FeaturePlatform.EventCenter.Storage;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

public sealed partial class EmbeddedWideTableStore
{
    /// <inheritdoc />
    public async ValueTask<RowResult?> GetAsync(TableName table, Get get, CancellationToken cancellationToken = default)
    {
        StorageValidation.ValidateGet(get);
        var info = catalog.Get(table);
        CheckColumns(info, get.Columns);
        using var lease = await readers.RentAsync(cancellationToken).ConfigureAwait(false);
        return ReadRow(lease.Connection, info, get, NowMs());
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<RowResult?>> GetManyAsync(TableName table, IReadOnlyList<Get> gets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gets);
        foreach (var get in gets)
        {
            StorageValidation.ValidateGet(get);
        }
        var info = catalog.Get(table);
        foreach (var get in gets)
        {
            CheckColumns(info, get.Columns);
        }
        if (gets.Count == 0)
        {
            return [];
        }
        var results = new RowResult?[gets.Count];
        using var lease = await readers.RentAsync(cancellationToken).ConfigureAwait(false);
        var now = NowMs();
        // One read transaction: every row comes from the same snapshot.
        using var tx = lease.Connection.Connection.BeginTransaction(deferred: true);
        for (var i = 0; i < gets.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results[i] = ReadRow(lease.Connection, info, gets[i], now, tx);
        }
        tx.Commit();
        return results;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<RowResult> ScanAsync(TableName table, Scan scan, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageValidation.ValidateScan(scan);
        if (scan.FilterString is not null)
        {
            throw new NotSupportedException("The embedded store does not evaluate HBase filter strings; filter the rows after the scan.");
        }
        var info = catalog.Get(table);
        CheckColumns(info, scan.Columns);
        var range = KeyRange.For(scan);
        var remaining = scan.Limit == 0 ? int.MaxValue : scan.Limit;
        var page = new List<RowResult>(Math.Min(scan.PageSize, remaining));
        while (remaining > 0 && !range.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            page.Clear();
            byte[]? last;
            bool exhausted;
            // The connection is held only while a page is read, never while the caller holds a row.
            using (var lease = await readers.RentAsync(cancellationToken).ConfigureAwait(false))
            {
                exhausted = ReadPage(lease.Connection, info, scan, range, Math.Min(scan.PageSize, remaining), page, out last);
            }
            foreach (var row in page)
            {
                cancellationToken.ThrowIfCancellationRequested();
                remaining--;
                yield return row;
            }
            if (exhausted || last is null)
            {
                yield break;
            }
            range = range.After(last, scan.Reversed);
        }
    }

    /// <summary>Cells physically stored in <paramref name="table"/>, hidden ones included (diagnostics and tests).</summary>
    internal async ValueTask<long> StoredCellCountAsync(TableName table, CancellationToken cancellationToken = default)
    {
        var info = catalog.Get(table);
        using var lease = await readers.RentAsync(cancellationToken).ConfigureAwait(false);
        return (long)lease.Connection.Command($"SELECT count(*) FROM {info.SqlName}", 0).ExecuteScalar()!;
    }

    /// <summary>SQLite's query plan for a scan page or get (tests check the primary key serves the order).</summary>
    internal async ValueTask<string> ExplainAsync(TableName table, Scan? scan, Get? get, CancellationToken cancellationToken = default)
    {
        var info = catalog.Get(table);
        var values = new List<object>();
        var sql = scan is not null
            ? ReadSql.Scan(info, KeyRange.For(scan), scan.Reversed, scan.Columns, scan.TimeRange, values)
            : ReadSql.Get(info, get!.Columns, values, get.Row, get.TimeRange);
        using var lease = await readers.RentAsync(cancellationToken).ConfigureAwait(false);
        using var command = lease.Connection.Connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        for (var i = 0; i < values.Count; i++)
        {
            command.Parameters.AddWithValue(CachedConnection.ParameterName(i), values[i]);
        }
        using var reader = command.ExecuteReader();
        var plan = new System.Text.StringBuilder();
        while (reader.Read())
        {
            plan.AppendLine(reader.GetString(3));
        }
        return plan.ToString();
    }

    private static void CheckColumns(TableInfo info, IReadOnlyList<ColumnSelector>? columns)
    {
        foreach (var c in columns ?? [])
        {
            info.Require(c.Family);
        }
    }

    private static RowResult? ReadRow(CachedConnection connection, TableInfo info, Get get, long now, SqliteTransaction? tx = null)
    {
        var values = new List<object>(4);
        var sql = ReadSql.Get(info, get.Columns, values, get.Row, get.TimeRange);
        var command = connection.Command(sql, values.Count, tx);
        for (var i = 0; i < values.Count; i++)
        {
            command.Parameters[i].Value = values[i];
        }
        var builder = new RowBuilder(info, get.MaxVersions, now);
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                if (ReadFamily(reader, 0, info) is { } family)
                {
                    builder.Add(new Cell(family.Name, reader.GetFieldValue<byte[]>(1), -reader.GetInt64(2), reader.GetFieldValue<byte[]>(3)));
                }
            }
        }
        return builder.Finish(get.Row, reversedOrder: false);
    }

    /// <summary>
    /// Reads up to <paramref name="pageSize"/> visible rows of <paramref name="range"/> into <paramref name="page"/>.
    /// Returns true when the range is exhausted; <paramref name="last"/> is the last row fully examined
    /// (visible or not), where the next page resumes.
    /// </summary>
    private bool ReadPage(CachedConnection connection, TableInfo info, Scan scan, KeyRange range, int pageSize, List<RowResult> page, out byte[]? last)
    {
        var values = new List<object>(6);
        var sql = ReadSql.Scan(info, range, scan.Reversed, scan.Columns, scan.TimeRange, values);
        var command = connection.Command(sql, values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            command.Parameters[i].Value = values[i];
        }
        var builder = new RowBuilder(info, scan.MaxVersions, NowMs());
        byte[]? current = null;
        last = null;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var row = reader.GetFieldValue<byte[]>(0);
            if (current is null || !row.AsSpan().SequenceEqual(current))
            {
                if (current is not null)
                {
                    if (builder.Finish(current, scan.Reversed) is { } done)
                    {
                        page.Add(done);
                    }
                    last = current;
                    if (page.Count >= pageSize)
                    {
                        return false;
                    }
                }
                current = row;
            }
            // Cells of families no longer declared are skipped without reading them.
            if (ReadFamily(reader, 1, info) is { } family)
            {
                builder.Add(new Cell(family.Name, reader.GetFieldValue<byte[]>(2), -reader.GetInt64(3), reader.GetFieldValue<byte[]>(4)));
            }
        }
        if (current is not null && builder.Finish(current, scan.Reversed) is { } final)
        {
            page.Add(final);
        }
        last = current;
        return true;
    }

    /// <summary>
    /// The declared family a cell belongs to, or null. Cells then share the family's name array. (Microsoft.Data.Sqlite
    /// 6 copies every BLOB it returns, so span-based reads would not save the allocation.)
    /// </summary>
    private static FamilyInfo? ReadFamily(SqliteDataReader reader, int ordinal, TableInfo info) =>
        info.Find(reader.GetFieldValue<byte[]>(ordinal));
}
