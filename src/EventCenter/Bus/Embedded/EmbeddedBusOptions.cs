namespace FeaturePlatform.EventCenter.Bus.Embedded;

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
    }
}
