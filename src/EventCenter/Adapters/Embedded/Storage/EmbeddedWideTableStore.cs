using FeaturePlatform.EventCenter.Storage;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>
/// The embedded <see cref="IWideTableStore"/>: one SQLite database (WAL mode) holding one WITHOUT ROWID table
/// per wide table, keyed (row, family, qualifier, -timestamp) so rows sort in unsigned byte order and versions
/// newest first, read straight off the primary key in both directions. One writer connection serialises writes (group commit: the writes queued while a transaction runs share the next one); a pool of reader
/// connections serves gets and scans concurrently. MaxVersions and TTL are applied on read;
/// <see cref="CompactAsync"/> physically removes expired cells and surplus versions.
/// </summary>
public sealed partial class EmbeddedWideTableStore : IWideTableStore
{
    private readonly EmbeddedStoreOptions options;
    private readonly WalCheckpointer checkpointer;
    private readonly ReaderPool readers;
    private readonly TableCatalog catalog = new();
    private readonly WriteFaults faults;
    private readonly SqliteSizeCap sizeCap;
    private bool disposed;

    private EmbeddedWideTableStore(EmbeddedStoreOptions options, CachedConnection writer)
    {
        this.options = options;
        this.writer = writer;
        sizeCap = new SqliteSizeCap(options.MaxDatabaseBytes);
        faults = new WriteFaults(options.DatabasePath, options.FaultMonitor, ProbeAsync);
        readers = new ReaderPool(options);
        checkpointer = new WalCheckpointer(SqliteConnections.Open(options, writer: true), Path.GetFileName(options.Directory), options.DatabasePath, options.MaxWalBytes, writerRestarts: true);
    }

    /// <summary>The store's background checkpointer.</summary>
    internal WalCheckpointer Checkpointer => checkpointer;

    /// <summary>Reader connections not lent out right now (all of them when no read runs).</summary>
    internal int IdleReaders => readers.Available;

    /// <summary>Opens (creating if needed) the store in <see cref="EmbeddedStoreOptions.Directory"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static EmbeddedWideTableStore Open(EmbeddedStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Directory.CreateDirectory(options.Directory);
        var connection = new CachedConnection(SqliteConnections.Open(options, writer: true));
        try
        {
            var store = new EmbeddedWideTableStore(options, connection);
            store.catalog.Load(connection.Connection);
            store.ApplyCap(connection);
            store.StartWriter();
            return store;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The tables this store holds.</summary>
    public IReadOnlyList<TableSpec> Tables => catalog.All.Select(t => t.Spec).ToList();

    /// <inheritdoc />
    public async ValueTask EnsureTableAsync(TableSpec spec, CancellationToken cancellationToken = default)
    {
        StorageValidation.ValidateSpec(spec);
        if (!catalog.NeedsChange(spec))
        {
            return;
        }
        var info = await WriteAsync(w => catalog.Write(w.Connection, spec), spec.Name, cancellationToken).ConfigureAwait(false);
        catalog.Publish(info);
    }

    /// <inheritdoc />
    public async ValueTask PutAsync(TableName table, IReadOnlyList<Put> puts, CancellationToken cancellationToken = default)
    {
        StorageValidation.ValidatePuts(puts);
        var info = catalog.Get(table);
        CheckFamilies(info, puts);
        if (puts.Count == 0)
        {
            return;
        }
        await WriteAsync(w =>
        {
            WritePuts(w, info, puts, NowMs());
            return true;
        }, table, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DeleteAsync(TableName table, IReadOnlyList<Delete> deletes, CancellationToken cancellationToken = default)
    {
        StorageValidation.ValidateDeletes(deletes);
        var info = catalog.Get(table);
        foreach (var d in deletes)
        {
            foreach (var c in d.Columns ?? [])
            {
                info.Require(c.Family);
            }
        }
        if (deletes.Count == 0)
        {
            return;
        }
        await WriteAsync(w =>
        {
            foreach (var d in deletes)
            {
                var upTo = d.UpToTimestamp ?? long.MaxValue;
                if (d.Columns is not { Count: > 0 })
                {
                    Execute(w.Command($"DELETE FROM {info.SqlName} WHERE row = $p0 AND nts >= $p1", 2), d.Row, -upTo);
                    continue;
                }
                foreach (var c in d.Columns)
                {
                    if (c.Qualifier is null)
                    {
                        Execute(w.Command($"DELETE FROM {info.SqlName} WHERE row = $p0 AND nts >= $p1 AND fam = $p2", 3), d.Row, -upTo, c.Family);
                    }
                    else
                    {
                        Execute(w.Command($"DELETE FROM {info.SqlName} WHERE row = $p0 AND nts >= $p1 AND fam = $p2 AND qual = $p3", 4), d.Row, -upTo, c.Family, c.Qualifier);
                    }
                }
            }
            return true;
        }, table, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> CheckAndPutAsync(TableName table, byte[] row, byte[] family, byte[] qualifier, byte[]? expected, Put put, CancellationToken cancellationToken = default)
    {
        StorageValidation.ValidateRowKey(row);
        ArgumentNullException.ThrowIfNull(qualifier);
        ArgumentNullException.ThrowIfNull(put);
        StorageValidation.ValidatePuts([put]);
        if (!row.AsSpan().SequenceEqual(put.Row))
        {
            throw new ArgumentException("CheckAndPut: the put must be for the checked row.", nameof(put));
        }
        var info = catalog.Get(table);
        var checkedFamily = info.Require(family);
        CheckFamilies(info, [put]);
        return await WriteAsync(w =>
        {
            var now = NowMs();
            var latest = LatestValue(w, info, checkedFamily, row, qualifier, now);
            // HBase: a null or empty expected value matches an absent column or an empty latest value.
            var applied = expected is null || expected.Length == 0
                ? latest is null || latest.Length == 0
                : latest is not null && latest.AsSpan().SequenceEqual(expected);
            if (applied)
            {
                WritePuts(w, info, [put], now);
            }
            return applied;
        }, table, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        await StopWriterAsync().ConfigureAwait(false);
        checkpointer.Dispose();
        readers.Dispose();
        writer?.Dispose();
    }

    private static void CheckFamilies(TableInfo info, IReadOnlyList<Put> puts)
    {
        foreach (var put in puts)
        {
            foreach (var cell in put.Cells)
            {
                info.Require(cell.Family);
            }
        }
    }

    private static void WritePuts(CachedConnection w, TableInfo info, IReadOnlyList<Put> puts, long now)
    {
        var statement = w.Statement(info.PutSql);
        var db = w.Connection.Handle!;
        foreach (var put in puts)
        {
            foreach (var cell in put.Cells)
            {
                var rc = BindBlob(statement, 1, put.Row);
                rc = rc == 0 ? BindBlob(statement, 2, cell.Family) : rc;
                rc = rc == 0 ? BindBlob(statement, 3, cell.Qualifier) : rc;
                rc = rc == 0 ? SQLitePCL.raw.sqlite3_bind_int64(statement, 4, -(cell.Timestamp == Cell.LatestTimestamp ? now : cell.Timestamp)) : rc;
                rc = rc == 0 ? BindBlob(statement, 5, cell.Value) : rc;
                rc = rc == 0 ? SQLitePCL.raw.sqlite3_step(statement) : rc;
                SQLitePCL.raw.sqlite3_reset(statement);
                if (rc != SQLitePCL.raw.SQLITE_DONE)
                {
                    try
                    {
                        SqliteException.ThrowExceptionForRC(rc, db);
                    }
                    catch (SqliteException e) when (SqliteFaults.ReasonOf(e) is null)
                    {
                        throw new WideTableStoreException($"Writing row {StorageValidation.Describe(put.Row)} of '{info.Name}' failed: {e.Message}", info.Name, e);
                    }
                }
            }
        }
    }

    /// <summary>Binds a blob (an empty one as a zero-length blob: the columns are NOT NULL).</summary>
    private static int BindBlob(SQLitePCL.sqlite3_stmt statement, int index, byte[] value) =>
        value.Length == 0 ? SQLitePCL.raw.sqlite3_bind_zeroblob(statement, index, 0) : SQLitePCL.raw.sqlite3_bind_blob(statement, index, value);

    private long NowMs() => options.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static void Bind(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }
    }

    private static void Execute(SqliteCommand command, params object[] values)
    {
        Bind(command, values);
        command.ExecuteNonQuery();
    }
}
