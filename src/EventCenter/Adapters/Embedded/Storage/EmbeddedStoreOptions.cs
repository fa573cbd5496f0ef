using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>How hard SQLite syncs the write-ahead log on commit.</summary>
public enum EmbeddedSynchronousMode
{
    /// <summary>
    /// <c>synchronous=NORMAL</c> in WAL mode: a commit is durable once it returns if the <em>process</em> dies
    /// (kill -9 included), because the WAL lives in the OS page cache; after an operating-system crash or power
    /// loss the last transactions may be rolled back (never torn: the database stays consistent). Fastest.
    /// </summary>
    Normal,

    /// <summary><c>synchronous=FULL</c>: every commit fsyncs the WAL, so it survives power loss too. Slower.</summary>
    Full,
}

/// <summary>Settings of the embedded (SQLite) wide-table store.</summary>
public sealed record EmbeddedStoreOptions
{
    /// <summary>File name of the database inside <see cref="Directory"/>.</summary>
    public const string DatabaseFileName = "widetables.db";

    /// <summary>Folder that holds the database (created if missing). Required.</summary>
    public required string Directory { get; init; }

    /// <summary>
    /// Commit durability. Default: <see cref="EmbeddedSynchronousMode.Normal"/> — acknowledged writes survive a
    /// process crash; choose <see cref="EmbeddedSynchronousMode.Full"/> where they must survive power loss.
    /// </summary>
    public EmbeddedSynchronousMode Synchronous { get; init; } = EmbeddedSynchronousMode.Normal;

    /// <summary>Reader connections (reads run concurrently with each other and with the writer). Default: 4.</summary>
    public int ReaderPoolSize { get; init; } = 4;

    /// <summary>Page cache per reader connection, in KiB (the writer's: <see cref="WriterCacheSizeKiB"/>). Default: 16384 (16 MiB).</summary>
    public int CacheSizeKiB { get; init; } = 16 * 1024;

    /// <summary>
    /// Page cache of the writer connection, in KiB. Default: 2048 (2 MiB). Kept small on purpose: SQLite walks the whole
    /// hash table of a connection's page cache at every commit that split a b-tree page (a split re-keys a page through
    /// a page number past the end of the file, so the commit's truncation of the cache cannot stop early), and that
    /// table grows with the pages the cache ever held. With 16 MiB (4,096 hash buckets) this was 7% of the host's CPU in
    /// the request-poll benchmark. The writer reads the pages it changes from the log or the memory-mapped file
    /// (both in the operating system's file cache) when they are not cached.
    /// </summary>
    public int WriterCacheSizeKiB { get; init; } = 2 * 1024;

    /// <summary>
    /// Bytes of each database file read through memory mapping instead of read calls (SQLite <c>mmap_size</c>): reads
    /// then copy nothing through the kernel, and every connection shares the same mapped pages. 0 turns it off.
    /// Default: 1 GiB (address space, not memory: pages are the operating system's file cache).
    /// </summary>
    public long MmapSizeBytes { get; init; } = 1L << 30;

    /// <summary>How long a connection waits on a lock held by another process before failing. Default: 10 s.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Most writes (puts, deletes, check-and-puts of concurrent callers) applied in one transaction by group commit; each
    /// completes only after its transaction committed. Default: 256.
    /// </summary>
    public int MaxWritesPerCommit { get; init; } = 256;

    /// <summary>Cells the compaction examines per write transaction (bounds how long it blocks writers). Default: 20000.</summary>
    public int CompactionChunkCells { get; init; } = 20_000;

    /// <summary>
    /// Largest size the write-ahead log (<c>widetables.db-wal</c>) is left at between transactions. Past it the background
    /// checkpointer empties the log with a TRUNCATE checkpoint (waiting briefly for readers); a restarted log is cut back
    /// to this size (<c>journal_size_limit</c>); and commits checkpoint themselves should the log pass it anyway
    /// (<c>wal_autocheckpoint</c>, a backstop). One transaction larger than this still grows the log for its duration.
    /// Default: 64 MiB. At least 1 MiB.
    /// </summary>
    public long MaxWalBytes { get; init; } = DefaultMaxWalBytes;

    /// <summary>
    /// A cap on the database file's size (SQLite <c>max_page_count</c>), or null for none. Writes that would grow the
    /// database past it fail exactly as on a full disk (<see cref="StorageUnavailableException"/>, reason
    /// <see cref="StorageFaultReason.DiskFull"/>), so it doubles as an operator quota and as a way to test disk-full
    /// handling. Raise it without a restart with <see cref="EmbeddedWideTableStore.SetMaxDatabaseBytes"/>. Default: null.
    /// At least 64 KiB.
    /// </summary>
    public long? MaxDatabaseBytes { get; init; }

    /// <summary>
    /// Where writes that fail for a storage cause (disk full, read-only, I/O error) are reported: it logs each episode
    /// once, feeds readiness and probes for recovery. Default: null (failures are still thrown as
    /// <see cref="StorageUnavailableException"/>; nothing is logged).
    /// </summary>
    public StorageFaultMonitor? FaultMonitor { get; init; }

    /// <summary>Clock used for TTL expiry and for <see cref="Cell.LatestTimestamp"/>. Default: the system clock.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Default of <see cref="MaxWalBytes"/>: 64 MiB.</summary>
    public const long DefaultMaxWalBytes = 64L * 1024 * 1024;

    /// <summary>Smallest <see cref="MaxDatabaseBytes"/> accepted: 64 KiB.</summary>
    public const long MinDatabaseBytes = 64 * 1024;

    /// <summary>The database file's full path.</summary>
    public string DatabasePath => Path.Combine(Directory, DatabaseFileName);

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException("EmbeddedStoreOptions.Directory must be set.", nameof(Directory));
        }
        if (!Enum.IsDefined(Synchronous))
        {
            throw new ArgumentException($"Unknown synchronous mode {Synchronous}.", nameof(Synchronous));
        }
        if (ReaderPoolSize is < 1 or > 256)
        {
            throw new ArgumentException($"ReaderPoolSize must be 1–256, not {ReaderPoolSize}.", nameof(ReaderPoolSize));
        }
        if (CacheSizeKiB < 64)
        {
            throw new ArgumentException($"CacheSizeKiB must be at least 64, not {CacheSizeKiB}.", nameof(CacheSizeKiB));
        }
        if (WriterCacheSizeKiB < 64)
        {
            throw new ArgumentException($"WriterCacheSizeKiB must be at least 64, not {WriterCacheSizeKiB}.", nameof(WriterCacheSizeKiB));
        }
        if (MmapSizeBytes < 0)
        {
            throw new ArgumentException($"MmapSizeBytes must not be negative, not {MmapSizeBytes}.", nameof(MmapSizeBytes));
        }
        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentException($"BusyTimeout must be 0–10 minutes, not {BusyTimeout}.", nameof(BusyTimeout));
        }
        if (MaxWritesPerCommit < 1)
        {
            throw new ArgumentException($"MaxWritesPerCommit must be positive, not {MaxWritesPerCommit}.", nameof(MaxWritesPerCommit));
        }
        if (CompactionChunkCells < 1)
        {
            throw new ArgumentException($"CompactionChunkCells must be positive, not {CompactionChunkCells}.", nameof(CompactionChunkCells));
        }
        if (MaxWalBytes < 1024 * 1024)
        {
            throw new ArgumentException($"MaxWalBytes must be at least 1 MiB, not {MaxWalBytes}.", nameof(MaxWalBytes));
        }
        if (MaxDatabaseBytes < MinDatabaseBytes)
        {
            throw new ArgumentException($"MaxDatabaseBytes must be at least {MinDatabaseBytes} when set, not {MaxDatabaseBytes}.", nameof(MaxDatabaseBytes));
        }
        ArgumentNullException.ThrowIfNull(Clock, nameof(Clock));
    }
}
