using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>
/// Checkpoints a SQLite WAL database from a thread of its own, so commits normally never do it. With SQLite's automatic
/// checkpoints at their default (1000 pages) the commit that crosses the threshold copies the log into the database
/// and syncs it — a stall of many milliseconds for whichever request made that commit (measured: round-trip p99
/// 10.9 ms with them, 4.3 ms without). Passive checkpoints run alongside readers and the writer and never block them.
/// </summary>
/// <remarks>
/// Bounded log: passive checkpoints copy the log but cannot restart it while readers keep using it, so under steady
/// reads the <c>-wal</c> file only grows (245 MB beside a 27 MB database was seen). When the file exceeds the limit
/// (<c>MaxWalBytes</c>) this thread runs a TRUNCATE checkpoint: it waits up to <see cref="TruncateBusyTimeout"/> for
/// readers to move off the log (holding writers back meanwhile) and truncates the file to zero; if readers stay, it
/// tries again after a growing pause. Writer connections also set <c>journal_size_limit</c> (a restarted log is cut back to
/// the limit) and, as a backstop should this thread fall behind, <c>wal_autocheckpoint</c> at the limit.
/// <para>
/// Early restart: SQLite starts the log over at the beginning of a write only when a checkpoint has copied all of it
/// and no reader still needs it. Under a steady stream of commits this thread's passive checkpoint never catches up
/// with the writer, so the log grew to the limit, where the TRUNCATE checkpoint holds writers back for up to
/// <see cref="TruncateBusyTimeout"/> (seen: 10–16k pages, stalls of 250 ms). So once the log holds more than the limit
/// divided by <see cref="RestartFraction"/> (4 MiB at the 64 MiB default) this thread asks the database's writer for a
/// restart (<see cref="TakeRestartRequest"/>): between two of its transactions the writer runs a RESTART checkpoint on
/// its own connection (<see cref="CheckpointForRestart"/>) — nothing is appended meanwhile, so it needs no lock it does
/// not hold, copies the few frames this thread left and waits at most <see cref="RestartBusyTimeout"/> for readers still
/// on the log — and its next transaction starts the log over. (A RESTART from this thread had to win the write lock
/// from a writer committing back to back, and a passive checkpoint on the writer left readers that began during it on
/// the log: neither restarted it reliably.) While a request is pending (up to two intervals; then it is withdrawn, the
/// writer being idle) this thread checkpoints nothing, so the writer's RESTART is not refused for a checkpoint already
/// running. A writer that takes no requests (the bus) keeps the old behaviour.
/// TRUNCATE stays the backstop.
/// </para>
/// </remarks>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>Pause between checkpoints while the log is small.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a TRUNCATE checkpoint waits for readers and the writer before giving up (writers wait meanwhile).
    /// After a blocked attempt the next one waits twice as long as the last pause (from 1 s up to
    /// <see cref="MaxTruncatePause"/>), so a long-running reader costs writers at most this much now and then.
    /// </summary>
    public static readonly TimeSpan TruncateBusyTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest pause between blocked TRUNCATE attempts.</summary>
    public static readonly TimeSpan MaxTruncatePause = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the writer's RESTART checkpoint waits for readers still on the log (writes wait meanwhile, so it is kept
    /// well under a request's latency budget; reads are short).
    /// </summary>
    public static readonly TimeSpan RestartBusyTimeout = TimeSpan.FromMilliseconds(20);

    /// <summary>A restart is asked for once the log holds more than the limit divided by this (64 MiB limit: 4 MiB).</summary>
    public const int RestartFraction = 16;

    /// <summary>The writer restarts the log itself once it holds more than the limit divided by this (64 MiB limit: 16 MiB).</summary>
    public const int BehindFraction = 4;

    /// <summary>How often the writer looks at the log's size between its transactions.</summary>
    private static readonly TimeSpan WriterLookEvery = TimeSpan.FromMilliseconds(10);

    /// <summary>Log pages beyond which the next checkpoint starts at once.</summary>
    private const long BacklogPages = 4000;

    private readonly SqliteConnection connection;
    private readonly string walPath;
    private readonly long maxWalBytes;
    private readonly long restartBytes;
    private readonly bool writerRestarts;
    private readonly CancellationTokenSource stopping = new();
    private readonly Thread thread;
    private Exception? lastError;
    private long checkpoints;
    private long truncations;
    private long restarts;
    private long restartRequests;
    private long restartsBlocked;
    private long restartsDone;
    private int restartWanted;
    private long restartAskedAt;
    private long lastLogPages;
    private long pageSize;
    private TimeSpan truncatePause = TimeSpan.Zero;
    private long nextTruncateAt;
    private long writerLooksAt;
    private long writerRestartedAt = long.MinValue / 2;

    /// <summary>
    /// Starts checkpointing the database <paramref name="connection"/> is open on (the checkpointer owns it), keeping its
    /// <c>-wal</c> file at most <paramref name="maxWalBytes"/> between transactions. <paramref name="writerRestarts"/>: the
    /// database's writer calls <see cref="TakeRestartRequest"/> between its transactions (early restarts); false: it does
    /// not, and no restart is asked for.
    /// </summary>
    public WalCheckpointer(SqliteConnection connection, string name, string databasePath, long maxWalBytes, bool writerRestarts = false)
    {
        this.connection = connection;
        this.writerRestarts = writerRestarts;
        this.maxWalBytes = maxWalBytes;
        restartBytes = maxWalBytes / RestartFraction;
        walPath = databasePath + "-wal";
        Execute(string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout={(int)TruncateBusyTimeout.TotalMilliseconds}; {PolicyPragmas(maxWalBytes)}"));
        // A dedicated thread: checkpoints are synchronous I/O and must not hold thread-pool threads.
        thread = new Thread(Run) { IsBackground = true, Name = "wal-checkpoint " + name };
        thread.Start();
    }

    /// <summary>The last checkpoint failure, if the last attempt failed (the next attempt retries).</summary>
    public Exception? LastError => Volatile.Read(ref lastError);

    /// <summary>Checkpoints done.</summary>
    public long Checkpoints => Interlocked.Read(ref checkpoints);

    /// <summary>TRUNCATE checkpoints that emptied the log because it had grown past the limit.</summary>
    public long Truncations => Interlocked.Read(ref truncations);

    /// <summary>Times a checkpoint found the log started over since the one before (early, or by a TRUNCATE).</summary>
    public long Restarts => Interlocked.Read(ref restarts);

    /// <summary>Restarts asked of the writer (see <see cref="TakeRestartRequest"/>).</summary>
    public long RestartRequests => Interlocked.Read(ref restartRequests);

    /// <summary>The writer's RESTART checkpoints that were blocked (readers stayed on the log longer than allowed).</summary>
    public long RestartsBlocked => Interlocked.Read(ref restartsBlocked);

    /// <summary>The writer's RESTART checkpoints that succeeded: its next transaction started the log over.</summary>
    public long RestartsDone => Interlocked.Read(ref restartsDone);

    /// <summary>Records the outcome of the writer's <see cref="CheckpointForRestart"/>.</summary>
    public void RestartDone(bool done)
    {
        if (done)
        {
            Interlocked.Increment(ref restartsDone);
        }
        else
        {
            Interlocked.Increment(ref restartsBlocked);
        }
    }

    /// <summary>
    /// True once after this thread found the log past the restart size: the caller — the database's only writer, between
    /// two of its transactions — should then run <see cref="CheckpointForRestart"/> on its connection.
    /// </summary>
    /// <remarks>
    /// Also true, at most once per <see cref="Interval"/>, when this thread has fallen behind — on a starved machine it
    /// may not run for seconds while the writer commits — and the log already holds more than the limit divided by
    /// <see cref="BehindFraction"/>: the writer, which is running, then restarts the log itself (it looks at the file at
    /// most every <see cref="WriterLookEvery"/>). Seen before: 48 MiB of commits at a load of 60 on 2 cores grew the log
    /// to 96 MiB, past the 64 MiB limit, with this thread's requests too late.
    /// </remarks>
    public bool TakeRestartRequest()
    {
        if (Volatile.Read(ref restartWanted) == 1 && Interlocked.Exchange(ref restartWanted, 0) == 1)
        {
            return true;
        }
        if (!writerRestarts)
        {
            return false;
        }
        // Only the writer calls this (between its transactions): these fields are its own.
        var now = Environment.TickCount64;
        if (now < writerLooksAt)
        {
            return false;
        }
        writerLooksAt = now + (long)WriterLookEvery.TotalMilliseconds;
        if (now - writerRestartedAt < (long)Interval.TotalMilliseconds || WalBytes() <= maxWalBytes / BehindFraction)
        {
            return false;
        }
        writerRestartedAt = now;
        Interlocked.Increment(ref restartRequests);
        return true;
    }

    /// <summary>
    /// A RESTART checkpoint on the writer's own <paramref name="writer"/> connection between its transactions: nothing is
    /// appended meanwhile, so it takes the write lock at once, copies the few frames the background thread left, and
    /// waits at most <see cref="RestartBusyTimeout"/> for readers still on the log; the writer's next transaction then
    /// starts the log over. If readers stay longer it gives up (the next request tries again).
    /// <paramref name="busyTimeout"/> is the connection's usual busy timeout, set back afterwards.
    /// </summary>
    /// <returns>True when the log can start over.</returns>
    public static bool CheckpointForRestart(SqliteConnection writer, TimeSpan busyTimeout)
    {
        using var command = writer.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout={(int)RestartBusyTimeout.TotalMilliseconds};");
        command.ExecuteNonQuery();
        try
        {
            command.CommandText = "PRAGMA wal_checkpoint(RESTART);";
            using var reader = command.ExecuteReader();
            return reader.Read() && reader.GetInt64(0) == 0;
        }
        finally
        {
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout={(int)busyTimeout.TotalMilliseconds};");
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Records a failed checkpoint run by the writer for <see cref="LastError"/>.</summary>
    public void Report(Exception error) => Volatile.Write(ref lastError, error);

    /// <summary>
    /// The log policy of a connection that commits: automatic checkpoints only past <paramref name="maxWalBytes"/> (a
    /// backstop: this class's thread normally keeps the log far smaller), and a restarted log cut back to that size.
    /// </summary>
    public static string PolicyPragmas(long maxWalBytes) => string.Create(CultureInfo.InvariantCulture,
        $"PRAGMA wal_autocheckpoint={Math.Max(1, maxWalBytes / 4096)}; PRAGMA journal_size_limit={maxWalBytes};");

    /// <summary>Stops the thread after its current checkpoint, runs a last one and closes the connection.</summary>
    public void Dispose()
    {
        stopping.Cancel();
        thread.Join();
        try
        {
            CheckpointOnce("PASSIVE");
        }
        catch (SqliteException)
        {
            // The database stays consistent without it: the next open checkpoints the log.
        }
        connection.Dispose();
        stopping.Dispose();
    }

    private void Run()
    {
        while (!stopping.IsCancellationRequested)
        {
            long backlog = 0;
            if (Volatile.Read(ref restartWanted) == 1)
            {
                if (Environment.TickCount64 - restartAskedAt < 2 * (long)Interval.TotalMilliseconds)
                {
                    // The writer has yet to run the restart: a checkpoint of this thread now would only make its RESTART
                    // busy (one checkpoint at a time).
                    stopping.Token.WaitHandle.WaitOne(Interval);
                    continue;
                }
                // The writer is idle (it takes requests only between transactions): withdraw it, checkpoint as usual.
                Interlocked.CompareExchange(ref restartWanted, 0, 1);
            }
            try
            {
                var passive = CheckpointOnce("PASSIVE");
                backlog = passive.Backlog;
                if (passive.LogPages < lastLogPages)
                {
                    Interlocked.Increment(ref restarts);
                }
                lastLogPages = passive.LogPages;
                if (WalBytes() > maxWalBytes && Environment.TickCount64 >= nextTruncateAt)
                {
                    Truncate();
                }
                else if (writerRestarts && passive.LogPages * PageSize() > restartBytes && Interlocked.Exchange(ref restartWanted, 1) == 0)
                {
                    restartAskedAt = Environment.TickCount64;
                    Interlocked.Increment(ref restartRequests);
                }
                Volatile.Write(ref lastError, null);
            }
            catch (SqliteException e)
            {
                Volatile.Write(ref lastError, e);
            }
            if (backlog < BacklogPages)
            {
                stopping.Token.WaitHandle.WaitOne(Interval);
            }
        }
    }

    /// <summary>Empties the log; when readers keep it busy, backs off before the next attempt.</summary>
    private void Truncate()
    {
        if (CheckpointOnce("TRUNCATE").Done)
        {
            Interlocked.Increment(ref truncations);
            lastLogPages = 0;
            truncatePause = TimeSpan.Zero;
            return;
        }
        truncatePause = truncatePause == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(truncatePause.Ticks * 2, MaxTruncatePause.Ticks));
        nextTruncateAt = Environment.TickCount64 + (long)truncatePause.TotalMilliseconds;
    }

    private long WalBytes()
    {
        try
        {
            var wal = new FileInfo(walPath);
            return wal.Exists ? wal.Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private long PageSize()
    {
        if (pageSize == 0)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA page_size;";
            pageSize = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        return pageSize;
    }

    /// <summary>One checkpoint: whether it finished (not SQLITE_BUSY), the pages in the log, and those not copied yet.</summary>
    private CheckpointResult CheckpointOnce(string mode)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode});";
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return new CheckpointResult(true, 0, 0);
        }
        Interlocked.Increment(ref checkpoints);
        var logPages = Math.Max(0, reader.GetInt64(1));
        var copied = Math.Max(0, reader.GetInt64(2));
        return new CheckpointResult(reader.GetInt64(0) == 0, logPages, Math.Max(0, logPages - copied));
    }

    private void Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>A checkpoint's outcome: <paramref name="Done"/> false when it was blocked (SQLITE_BUSY).</summary>
    private readonly record struct CheckpointResult(bool Done, long LogPages, long Backlog);
}
