using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

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
                $"PRAGMA busy_timeout={(int)options.BusyTimeout.TotalMilliseconds}; PRAGMA cache_size=-{(writer ? options.WriterCacheSizeKiB : options.CacheSizeKiB)}; PRAGMA temp_store=MEMORY; PRAGMA mmap_size={options.MmapSizeBytes};");
            if (!writer)
            {
                // Read-write open (a read-only one cannot always map the WAL index) but refusing writes.
                pragmas += "PRAGMA query_only=1;";
            }
            else
            {
                pragmas += WalCheckpointer.PolicyPragmas(options.MaxWalBytes) + "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + (options.Synchronous == EmbeddedSynchronousMode.Full ? "FULL" : "NORMAL") + ";";
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

    /// <summary>
    /// Caps the database at <paramref name="maxBytes"/> (SQLite <c>max_page_count</c>; null: SQLite's own maximum,
    /// <paramref name="uncappedPages"/>). Writes that would grow it further fail with SQLITE_FULL, as on a full disk. A
    /// cap below the current size holds the database at its current size.
    /// </summary>
    public static void SetMaxBytes(SqliteConnection connection, long? maxBytes, long uncappedPages)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_size";
        var pageSize = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        var pages = maxBytes is { } bytes ? Math.Clamp(bytes / pageSize, 1, uncappedPages) : uncappedPages;
        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA max_page_count={pages};"));
    }

    /// <summary>SQLite's page limit of a connection before any cap (its compile-time maximum).</summary>
    public static long MaxPageCount(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA max_page_count";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }
}
