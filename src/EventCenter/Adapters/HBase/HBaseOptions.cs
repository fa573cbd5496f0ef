using FeaturePlatform.EventCenter.Storage;
using Thrift;

namespace FeaturePlatform.EventCenter.Adapters.HBase;

/// <summary>How to reach an HBase Thrift2 server (<c>hbase thrift2</c>) and how the client behaves.</summary>
public sealed record HBaseOptions
{
    /// <summary>Thrift2 server host. Default: "127.0.0.1".</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Thrift2 server port. Default: 9090 (HBase's default).</summary>
    public int Port { get; init; } = 9090;

    /// <summary>Buffered (HBase's default) or framed (needed for the nonblocking/hsha/threadedselector servers). Default: buffered.</summary>
    public HBaseTransport Transport { get; init; } = HBaseTransport.Buffered;

    /// <summary>Limit for establishing a TCP connection. Default: 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Limit for receiving a whole reply. Default: 30 s.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Limit for sending a whole request. Default: 30 s.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest frame accepted from the server with the framed transport. Default: 16 MiB.</summary>
    public int MaxFrameSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Most connections open at once; further calls wait for a free one. Default: 8.</summary>
    public int PoolSize { get; init; } = 8;

    /// <summary>Retries of an idempotent call after a transient failure (0 disables retries). Default: 3.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>Delay before the first retry; doubled for each further retry (with jitter). Default: 100 ms.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Upper bound of the delay between retries. Default: 5 s.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Namespace applied to tables given without one; null keeps HBase's default namespace. Default: null.</summary>
    public string? Namespace { get; init; }

    /// <summary>Largest cell value accepted by puts, in bytes. Default: 10 MiB.</summary>
    public int MaxValueBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Batches are sent in requests of at most this many rows. Default: 1,000.</summary>
    public int MaxRowsPerRequest { get; init; } = 1000;

    /// <summary>Batches are sent in requests of at most about this many bytes (a single larger row goes alone). Default: 1 MiB.</summary>
    public int MaxBytesPerRequest { get; init; } = 1024 * 1024;

    /// <summary>
    /// Largest reply accepted, in bytes: a string or list whose declared size exceeds it fails the call instead of
    /// allocating (garbage from a wrong peer). Default: 256 MiB.
    /// </summary>
    public int MaxMessageSize { get; init; } = 256 * 1024 * 1024;

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Host, nameof(Host));
        ArgumentOutOfRangeException.ThrowIfLessThan(Port, 1, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, nameof(Port));
        if (!Enum.IsDefined(Transport))
        {
            throw new ArgumentOutOfRangeException(nameof(Transport), Transport, "Unknown transport.");
        }
        Positive(ConnectTimeout, nameof(ConnectTimeout));
        Positive(ReadTimeout, nameof(ReadTimeout));
        Positive(WriteTimeout, nameof(WriteTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrameSize, 1024, nameof(MaxFrameSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(PoolSize, 1, nameof(PoolSize));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries, nameof(MaxRetries));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxRetries, 100, nameof(MaxRetries));
        if (RetryBaseDelay < TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryBaseDelay), "Retry delays must satisfy 0 <= RetryBaseDelay <= RetryMaxDelay.");
        }
        if (Namespace is not null)
        {
            _ = new TableName(Namespace, "probe");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxValueBytes, 1, nameof(MaxValueBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRowsPerRequest, 1, nameof(MaxRowsPerRequest));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytesPerRequest, 1024, nameof(MaxBytesPerRequest));
        // A frame counts against the message size with its 4-byte header.
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageSize, MaxFrameSize + 4, nameof(MaxMessageSize));
    }

    /// <summary>The library's limits for one connection.</summary>
    internal TConfiguration ToConfiguration() => new() { MaxFrameSize = MaxFrameSize, MaxMessageSize = MaxMessageSize };

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, "Timeouts must be positive.");
        }
    }
}
