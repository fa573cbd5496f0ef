using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

public sealed partial class EmbeddedWideTableStore
{
    private CachedConnection? writer;

    /// <summary>
    /// Changes the database size cap (<see cref="EmbeddedStoreOptions.MaxDatabaseBytes"/>) without a restart; null
    /// removes it. Takes effect at the next write. Raising it is what "space returns" means for a capped store: writes
    /// that failed with "disk full" succeed again and readiness recovers by itself.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Below <see cref="EmbeddedStoreOptions.MinDatabaseBytes"/>.</exception>
    public void SetMaxDatabaseBytes(long? bytes) => sizeCap.Set(bytes);

    /// <summary>True while writes fail for a storage cause (from a failed write to the next successful one).</summary>
    public bool WritesFailing => faults.Faulted;

    /// <summary>
    /// Runs <paramref name="write"/> in one write transaction on the writer connection, under the write lock. A failure
    /// rolls back only what SQLite has not rolled back itself; a connection left in doubt is replaced before the next
    /// write. Storage faults are thrown as <see cref="StorageUnavailableException"/> and reported to the monitor.
    /// </summary>
    private async ValueTask<T> WriteAsync<T>(Func<CachedConnection, T> write, TableName? table, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var usable = true;
            try
            {
                var connection = Writer();
                var result = SqliteWriteTransaction.Run(connection.Connection, () => write(connection), out usable);
                faults.Succeeded();
                return result;
            }
            catch (Exception e) when (faults.Failed(e, table) is { } unavailable)
            {
                throw unavailable;
            }
            finally
            {
                if (!usable)
                {
                    DropWriter();
                }
            }
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>The probe run while writes fail (see <see cref="SqliteProbe"/>); reports its outcome like any write.</summary>
    private async ValueTask ProbeAsync(CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (disposed)
            {
                return;
            }
            var usable = true;
            try
            {
                SqliteProbe.Run(Writer().Connection, options.DatabasePath, sizeCap.Bytes, NowMs(), out usable);
                faults.Succeeded();
            }
            catch (Exception e) when (faults.Failed(e) is { } unavailable)
            {
                throw unavailable;
            }
            finally
            {
                if (!usable)
                {
                    DropWriter();
                }
            }
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>The writer connection, reopened if a failure left none, with the current size cap applied.</summary>
    private CachedConnection Writer()
    {
        writer ??= new CachedConnection(SqliteConnections.Open(options, writer: true));
        ApplyCap(writer);
        return writer;
    }

    private void ApplyCap(CachedConnection connection) => sizeCap.Apply(connection.Connection);

    /// <summary>Disposes a writer connection whose state is in doubt; the next write opens a fresh one.</summary>
    private void DropWriter()
    {
        writer?.Dispose();
        writer = null;
        sizeCap.Reset();
    }
}
