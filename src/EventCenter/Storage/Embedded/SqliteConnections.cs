using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Storage.Embedded;

/// <summary>Opens SQLite connections configured for the store (WAL, sync mode, cache, busy timeout).</summary>
internal static class SqliteConnections
{
    public static SqliteConnection Open(EmbeddedStoreOptions options, bool writer)
    {
        SqliteNative.EnsureInitialised();
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = options.DatabasePath,
            Mode = writer ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
        };
        var connection = new SqliteConnection(builder.ToString()) { DefaultTimeout = 0 };
        connection.Open();
        try
        {
            var pragmas = string.Create(CultureInfo.InvariantCulture,
                $"PRAGMA busy_timeout={(int)options.BusyTimeout.TotalMilliseconds}; PRAGMA cache_size=-{options.CacheSizeKiB}; PRAGMA temp_store=MEMORY; PRAGMA mmap_size={options.MmapSizeBytes};");
            if (!writer)
            {
                // Read-write open (a read-only one cannot always map the WAL index) but refusing writes.
                pragmas += "PRAGMA query_only=1;";
            }
            else
            {
                pragmas += WalCheckpointer.DisableAutomaticCheckpointsPragma + "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + (options.Synchronous == EmbeddedSynchronousMode.Full ? "FULL" : "NORMAL") + ";";
            }
            Execute(connection, pragmas);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }
}
