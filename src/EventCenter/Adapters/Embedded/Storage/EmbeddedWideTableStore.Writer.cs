using System.Threading.Channels;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

public sealed partial class EmbeddedWideTableStore
{
    private readonly Channel<PendingWrite> writes = Channel.CreateUnbounded<PendingWrite>(new() { SingleReader = true });
    private CachedConnection? writer;
    private Task? writeLoop;
    private long commits;
    private long writesCommitted;
    private long writerBusyTicks;

    /// <summary>Write transactions committed so far (a group of writes counts once).</summary>
    internal long Commits => Interlocked.Read(ref commits);

    /// <summary>
    /// What the single writer has done since the store opened: its transactions, the writes they carried, and the time it
    /// spent applying and committing them. Busy time over wall time is the writer's utilisation: near 1, every write waits
    /// for the ones queued before it and the store is at its write capacity.
    /// </summary>
    public EmbeddedWriterStatistics WriterStatistics => new(Interlocked.Read(ref commits), Interlocked.Read(ref writesCommitted),
        TimeSpan.FromSeconds((double)Interlocked.Read(ref writerBusyTicks) / System.Diagnostics.Stopwatch.Frequency));

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
    /// Runs <paramref name="write"/> in a write transaction on the writer connection and completes once that transaction
    /// committed (durable). Group commit: the writes queued while one transaction runs are applied together in the next
    /// (up to <see cref="EmbeddedStoreOptions.MaxWritesPerCommit"/>), in the order they were queued, each completed only
    /// after the commit. When a write of a group fails, the group is rolled back and each of its writes runs again in a
    /// transaction of its own, so one write's failure never fails another's. A connection left in doubt is replaced before
    /// the next write. Storage faults are thrown as <see cref="StorageUnavailableException"/> and reported to the monitor.
    /// </summary>
    /// <remarks>A write cancelled before its transaction starts is not applied; once started it completes.</remarks>
    internal async ValueTask<T> WriteAsync<T>(Func<CachedConnection, T> write, TableName? table, CancellationToken cancellationToken)
    {
        var pending = new PendingWrite<T>(write, table, standalone: false, cancellationToken);
        Enqueue(pending);
        return await pending.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>The probe run while writes fail (see <see cref="SqliteProbe"/>), queued like any write, run on its own.</summary>
    private async ValueTask ProbeAsync(CancellationToken cancellationToken)
    {
        PendingWrite<bool>? probe = null;
        probe = new PendingWrite<bool>(w =>
        {
            var usable = true;
            try
            {
                SqliteProbe.Run(w.Connection, options.DatabasePath, sizeCap.Bytes, NowMs(), out usable);
            }
            finally
            {
                probe!.ConnectionUsable = usable;
            }
            return true;
        }, null, standalone: true, cancellationToken);
        Enqueue(probe);
        await probe.Completion.Task.ConfigureAwait(false);
    }

    private void Enqueue(PendingWrite pending)
    {
        ObjectDisposedException.ThrowIf(disposed || !writes.Writer.TryWrite(pending), this);
    }

    /// <summary>Starts the single writer loop (once, when the store opens).</summary>
    private void StartWriter() => writeLoop = Task.Run(RunWritesAsync);

    /// <summary>Stops taking writes, lets the queued ones finish and waits for the writer loop.</summary>
    private async ValueTask StopWriterAsync()
    {
        writes.Writer.TryComplete();
        if (writeLoop is not null)
        {
            await writeLoop.ConfigureAwait(false);
        }
    }

    /// <summary>The single writer: takes every write queued so far and applies it as one group.</summary>
    private async Task RunWritesAsync()
    {
        var group = new List<PendingWrite>(options.MaxWritesPerCommit);
        while (await writes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (writes.Reader.TryPeek(out var next))
            {
                RestartLogIfAsked();
                group.Clear();
                if (next.Standalone)
                {
                    writes.Reader.TryRead(out _);
                    RunAlone(next);
                    continue;
                }
                while (group.Count < options.MaxWritesPerCommit && writes.Reader.TryPeek(out next) && !next.Standalone && writes.Reader.TryRead(out next))
                {
                    if (next.Cancelled())
                    {
                        continue;
                    }
                    group.Add(next);
                }
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                if (group.Count == 1)
                {
                    RunAlone(group[0]);
                }
                else if (group.Count > 1)
                {
                    RunGroup(group);
                }
                Interlocked.Add(ref writerBusyTicks, System.Diagnostics.Stopwatch.GetTimestamp() - started);
            }
        }
    }

    /// <summary>
    /// Between two transactions: when the checkpointer found the log past its restart size, copies the rest of it from
    /// this connection so the next transaction starts the log over (see <see cref="WalCheckpointer"/>). A failure only
    /// means the log restarts later; the checkpointer keeps the error and asks again.
    /// </summary>
    private void RestartLogIfAsked()
    {
        if (!checkpointer.TakeRestartRequest())
        {
            return;
        }
        try
        {
            checkpointer.RestartDone(WalCheckpointer.CheckpointForRestart(Writer().Connection, options.BusyTimeout));
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            checkpointer.Report(e);
        }
    }

    /// <summary>One transaction for the whole group; on any failure, each write again on its own.</summary>
    private void RunGroup(List<PendingWrite> group)
    {
        var usable = true;
        try
        {
            var connection = Writer();
            SqliteWriteTransaction.Run(connection.Connection, () =>
            {
                foreach (var pending in group)
                {
                    pending.Apply(connection);
                }
                return true;
            }, out usable);
            Interlocked.Increment(ref commits);
            Interlocked.Add(ref writesCommitted, group.Count);
            faults.Succeeded();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (!usable)
            {
                DropWriter();
            }
            // Rolled back as a whole: nothing of the group is stored; each write is judged alone.
            foreach (var pending in group)
            {
                RunAlone(pending);
            }
            return;
        }
        foreach (var pending in group)
        {
            pending.Complete();
        }
    }

    /// <summary>One write in a transaction of its own (a probe: without one).</summary>
    private void RunAlone(PendingWrite pending)
    {
        if (pending.Cancelled())
        {
            return;
        }
        var usable = true;
        try
        {
            var connection = Writer();
            if (pending.Standalone)
            {
                try
                {
                    pending.Apply(connection);
                }
                finally
                {
                    usable = pending.ConnectionUsable;
                }
            }
            else
            {
                SqliteWriteTransaction.Run(connection.Connection, () =>
                {
                    pending.Apply(connection);
                    return true;
                }, out usable);
                Interlocked.Increment(ref commits);
                Interlocked.Increment(ref writesCommitted);
            }
            faults.Succeeded();
            pending.Complete();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            pending.Fail(faults.Failed(e, pending.Table) ?? e);
        }
        finally
        {
            if (!usable)
            {
                DropWriter();
            }
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

    /// <summary>A queued write: applied by the writer loop, completed after its transaction committed.</summary>
    private abstract class PendingWrite(TableName? table, bool standalone, CancellationToken cancellationToken)
    {
        public TableName? Table => table;

        /// <summary>Runs outside any transaction and never in a group (the probe).</summary>
        public bool Standalone => standalone;

        /// <summary>For a standalone write: whether the connection can still be trusted afterwards.</summary>
        public bool ConnectionUsable { get; set; } = true;

        /// <summary>True (and the caller told) when the write was cancelled before it started.</summary>
        public bool Cancelled()
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            Cancel(cancellationToken);
            return true;
        }

        public abstract void Apply(CachedConnection connection);

        public abstract void Complete();

        public abstract void Fail(Exception error);

        protected abstract void Cancel(CancellationToken token);
    }

    private sealed class PendingWrite<T>(Func<CachedConnection, T> write, TableName? table, bool standalone, CancellationToken cancellationToken)
        : PendingWrite(table, standalone, cancellationToken)
    {
        private T? result;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Apply(CachedConnection connection) => result = write(connection);

        public override void Complete() => Completion.TrySetResult(result!);

        public override void Fail(Exception error) => Completion.TrySetException(error);

        protected override void Cancel(CancellationToken token) => Completion.TrySetCanceled(token);
    }
}
