using FeaturePlatform.EventCenter.Adapters.Embedded.Storage;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Bus;

/// <summary>The embedded bus's SQLite file: schema and connections.</summary>
internal static class BusDatabase
{
    public static SqliteConnection Open(string path, bool syncEveryCommit, long maxWalBytes = EmbeddedStoreOptions.DefaultMaxWalBytes)
    {
        SqliteNative.EnsureInitialised();
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
        }.ToString());
        connection.Open();
        Execute(connection, $"""
            {WalCheckpointer.PolicyPragmas(maxWalBytes)}
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous={(syncEveryCommit ? "FULL" : "NORMAL")};
            PRAGMA busy_timeout=10000;
            """);
        return connection;
    }

    public static void CreateSchema(SqliteConnection connection) => Execute(connection, """
        CREATE TABLE IF NOT EXISTS topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS messages (
            topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
            key BLOB, value BLOB NOT NULL, ts INTEGER NOT NULL, headers BLOB,
            PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS group_offsets (
            grp TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
            PRIMARY KEY (grp, topic, partition)) WITHOUT ROWID;
        """);

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
