namespace FeaturePlatform.Testing.HBaseThrift;

/// <summary>Thrift transport of the fixture server (HBase: buffered by default, framed optional).</summary>
public enum HBaseThriftTransport
{
    /// <summary>Plain buffered socket transport (HBase's default).</summary>
    Buffered,

    /// <summary>4-byte big-endian length before every message.</summary>
    Framed,
}

/// <summary>Thrift protocol of the fixture server.</summary>
public enum HBaseThriftProtocol
{
    /// <summary>Strict binary protocol (HBase's default).</summary>
    Binary,

    /// <summary>Compact protocol.</summary>
    Compact,
}

/// <summary>A column family declared up front: versions kept and optional time to live.</summary>
/// <param name="Name">Family name, e.g. <c>e</c>.</param>
/// <param name="MaxVersions">Versions kept per column (HBase VERSIONS). Default 1.</param>
/// <param name="TimeToLive">Cells older than this (by cell timestamp) are hidden (HBase TTL). Default: forever.</param>
public sealed record HBaseFamilySpec(string Name, int MaxVersions = 1, TimeSpan? TimeToLive = null);

/// <summary>A table declared up front; <paramref name="Name"/> may carry a namespace (<c>fp:events</c>).</summary>
public sealed record HBaseTableSpec(string Name, IReadOnlyList<HBaseFamilySpec> Families);

/// <summary>How to start a fixture server. Defaults: buffered, binary, tables auto-created on first write.</summary>
public sealed record HBaseThriftServerOptions
{
    /// <summary>Transport; default <see cref="HBaseThriftTransport.Buffered"/>.</summary>
    public HBaseThriftTransport Transport { get; init; } = HBaseThriftTransport.Buffered;

    /// <summary>Protocol; default <see cref="HBaseThriftProtocol.Binary"/>.</summary>
    public HBaseThriftProtocol Protocol { get; init; } = HBaseThriftProtocol.Binary;

    /// <summary>Tables declared at start (unknown families of these raise TIOError). Default none.</summary>
    public IReadOnlyList<HBaseTableSpec> Tables { get; init; } = [];

    /// <summary>
    /// Create tables (and their families) on first write. Default (null): on when <see cref="Tables"/> is
    /// empty, off otherwise. Reads of a missing table always raise TIOError, as in HBase.
    /// </summary>
    public bool? AutoCreateTables { get; init; }

    /// <summary>Versions kept by families of auto-created tables; default 1 (HBase 2's default VERSIONS).</summary>
    public int DefaultMaxVersions { get; init; } = 1;

    /// <summary>Idle scanners are forgotten after this; default 60 s.</summary>
    public TimeSpan ScannerTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Benchmark sink: put/putMultiple are decoded by Thrift's C codec and acknowledged, but not stored, so a
    /// client benchmark measures the wire rather than the fixture's Python store. Default false.
    /// </summary>
    public bool DiscardWrites { get; init; }

    /// <summary>
    /// Keep the data across <see cref="HBaseThriftServer.RestartAsync"/> (a Thrift gateway restarted in front of the same
    /// region servers): the server saves its tables to a file in its directory when stopped (SIGTERM) and loads them
    /// when it starts. Default false: a restart starts empty.
    /// </summary>
    public bool KeepDataAcrossRestarts { get; init; }

    /// <summary>How long to wait for the server to print READY; default 30 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
