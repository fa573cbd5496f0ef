using FeaturePlatform.EventCenter.SourceDb;

namespace FeaturePlatform.EventCenter.Adapters.SourceDatabases;

/// <summary>Opens the client of a configured source database: MySqlConnector for MySQL/MariaDB, Npgsql for PostgreSQL.</summary>
public static class SourceDatabaseFactory
{
    /// <summary>The client for <paramref name="settings"/>.</summary>
    public static ISourceDatabase Open(SourceDatabaseSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Kind switch
        {
            SourceDatabaseKind.MySql => new MySqlSourceDatabase(settings.ConnectionString),
            _ => new PostgresSourceDatabase(settings.ConnectionString),
        };
    }
}
