namespace FeaturePlatform.Testing.Servers;

/// <summary>Settings of a test PostgreSQL server.</summary>
public sealed record PostgresServerOptions
{
    /// <summary>Defaults: fsync off (a killed server loses nothing; only a machine crash would), 300 connections.</summary>
    public static PostgresServerOptions Default { get; } = new();

    /// <summary><c>fsync</c>; default false, which keeps process-crash durability but skips disk flushes.</summary>
    public bool Fsync { get; init; }

    /// <summary><c>max_connections</c>; default 300 so parallel tests with connection pools fit.</summary>
    public int MaxConnections { get; init; } = 300;

    /// <summary>Further <c>-c name=value</c> settings (e.g. <c>wal_level=logical</c>); default none.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
