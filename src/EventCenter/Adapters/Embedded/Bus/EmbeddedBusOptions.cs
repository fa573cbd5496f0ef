using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Bus;

/// <summary>Settings of the embedded bus (a durable partitioned log in one SQLite file).</summary>
public sealed record EmbeddedBusOptions
{
    /// <summary>Folder holding <c>bus.db</c>. Required.</summary>
    public required string Directory { get; init; }

    /// <summary>Messages older than this (by produce time) are removed by <see cref="EmbeddedMessageBus.ApplyRetentionAsync"/>. Default: 7 days.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Largest accepted message value in bytes. Default: 1 MiB (Kafka's default max.message.bytes).</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>Produce requests committed together in one transaction at most (group commit). Default: 256.</summary>
    public int MaxRequestsPerCommit { get; init; } = 256;

    /// <summary>
    /// fsync every commit (SQLite synchronous=FULL). Off (NORMAL) still survives a crash of the process with every
    /// acknowledged message; FULL also survives power loss, at a cost in throughput. Default: false.
    /// </summary>
    public bool SyncEveryCommit { get; init; }

    /// <summary>
    /// Largest size <c>bus.db-wal</c> is left at between transactions (checkpoint policy as for the store:
    /// <see cref="EmbeddedStoreOptions.MaxWalBytes"/>). Default: 64 MiB. At least 1 MiB.
    /// </summary>
    public long MaxWalBytes { get; init; } = EmbeddedStoreOptions.DefaultMaxWalBytes;

    /// <summary>
    /// A cap on <c>bus.db</c>'s size (SQLite <c>max_page_count</c>), or null for none: produces that would grow it further
    /// fail as on a full disk (<see cref="StorageUnavailableException"/>). Raise it without a restart with
    /// <see cref="EmbeddedMessageBus.SetMaxDatabaseBytes"/>. Default: null. At least 64 KiB.
    /// </summary>
    public long? MaxDatabaseBytes { get; init; }

    /// <summary>Where writes failing for a storage cause are reported (see <see cref="EmbeddedStoreOptions.FaultMonitor"/>). Default: null.</summary>
    public StorageFaultMonitor? FaultMonitor { get; init; }

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException("EmbeddedBusOptions.Directory is required.");
        }
        if (Retention <= TimeSpan.Zero)
        {
            throw new ArgumentException("EmbeddedBusOptions.Retention must be positive.");
        }
        if (MaxMessageBytes <= 0 || MaxRequestsPerCommit <= 0)
        {
            throw new ArgumentException("EmbeddedBusOptions.MaxMessageBytes and MaxRequestsPerCommit must be positive.");
        }
        if (MaxWalBytes < 1024 * 1024 || MaxDatabaseBytes < EmbeddedStoreOptions.MinDatabaseBytes)
        {
            throw new ArgumentException($"EmbeddedBusOptions.MaxWalBytes must be at least 1 MiB and MaxDatabaseBytes (when set) at least {EmbeddedStoreOptions.MinDatabaseBytes}.");
        }
    }
}
