using System.Globalization;
using FeaturePlatform.EventCenter.Storage;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>
/// The probe write run while a database fails: is there room for <see cref="HeadroomBytes"/> more (under the
/// operator's size cap, and on the disk: a file of that size is written beside the database, synced and deleted), and
/// does a small transaction commit? Used only while an episode is open.
/// </summary>
internal static class SqliteProbe
{
    /// <summary>Free space a probe asks for before it calls the database writable again: 1 MiB.</summary>
    public const int HeadroomBytes = 1024 * 1024;

    private const string Schema = "CREATE TABLE IF NOT EXISTS _fp_probe(id INTEGER PRIMARY KEY, at INTEGER NOT NULL)";

    /// <summary>Runs the probe on the writer <paramref name="connection"/>; throws what the failing write would throw.</summary>
    public static void Run(SqliteConnection connection, string databasePath, long? maxDatabaseBytes, long nowMs, out bool connectionUsable)
    {
        connectionUsable = true;
        if (maxDatabaseBytes is { } cap)
        {
            var pageSize = Scalar(connection, "PRAGMA page_size");
            var used = (Scalar(connection, "PRAGMA page_count") - Scalar(connection, "PRAGMA freelist_count")) * pageSize;
            if (cap - used < HeadroomBytes)
            {
                throw new StorageUnavailableException(StorageFaultReason.DiskFull, databasePath,
                    string.Create(CultureInfo.InvariantCulture, $"the size cap MaxDatabaseBytes={cap} leaves {Math.Max(0, cap - used)} bytes, less than the {HeadroomBytes} a probe asks for"));
            }
        }
        WriteSidecar(databasePath + "-probe");
        SqliteWriteTransaction.Run(connection, () =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = Schema + "; INSERT OR REPLACE INTO _fp_probe(id, at) VALUES (1, $at)";
            command.Parameters.AddWithValue("$at", nowMs);
            return command.ExecuteNonQuery();
        }, out connectionUsable);
    }

    private static void WriteSidecar(string path)
    {
        var block = new byte[64 * 1024];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        for (var written = 0; written < HeadroomBytes; written += block.Length)
        {
            file.Write(block);
        }
        file.Flush(flushToDisk: true);
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
