namespace FeaturePlatform.EventCenter.Storage.Embedded;

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

    /// <summary>Page cache per connection, in KiB. Default: 16384 (16 MiB).</summary>
    public int CacheSizeKiB { get; init; } = 16 * 1024;

    /// <summary>
    /// Bytes of each database file read through memory mapping instead of read calls (SQLite <c>mmap_size</c>): reads
    /// then copy nothing through the kernel, and every connection shares the same mapped pages. 0 turns it off.
    /// Default: 1 GiB (address space, not memory: pages are the operating system's file cache).
    /// </summary>
    public long MmapSizeBytes { get; init; } = 1L << 30;

    /// <summary>How long a connection waits on a lock held by another process before failing. Default: 10 s.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Cells the compaction examines per write transaction (bounds how long it blocks writers). Default: 20000.</summary>
    public int CompactionChunkCells { get; init; } = 20_000;

    /// <summary>Clock used for TTL expiry and for <see cref="Cell.LatestTimestamp"/>. Default: the system clock.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

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
        if (MmapSizeBytes < 0)
        {
            throw new ArgumentException($"MmapSizeBytes must not be negative, not {MmapSizeBytes}.", nameof(MmapSizeBytes));
        }
        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentException($"BusyTimeout must be 0–10 minutes, not {BusyTimeout}.", nameof(BusyTimeout));
        }
        if (CompactionChunkCells < 1)
        {
            throw new ArgumentException($"CompactionChunkCells must be positive, not {CompactionChunkCells}.", nameof(CompactionChunkCells));
        }
        ArgumentNullException.ThrowIfNull(Clock, nameof(Clock));
    }
}
