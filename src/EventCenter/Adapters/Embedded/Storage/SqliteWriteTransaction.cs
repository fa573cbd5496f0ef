using Microsoft.Data.Sqlite;
using static SQLitePCL.raw;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>
/// Write transactions run with plain <c>BEGIN IMMEDIATE</c>/<c>COMMIT</c>/<c>ROLLBACK</c> statements, asking SQLite
/// (<c>sqlite3_get_autocommit</c>) after an error whether the transaction is still open, instead of
/// <see cref="SqliteTransaction"/>.
/// </summary>
/// <remarks>
/// On SQLITE_FULL, SQLITE_IOERR and similar errors SQLite may roll the transaction back by itself, notably when
/// <c>COMMIT</c> cannot append to the write-ahead log. <see cref="SqliteTransaction"/> (Microsoft.Data.Sqlite 6) then
/// still issues <c>ROLLBACK</c>, which fails with "no transaction is active", hiding the real error, and leaves the
/// transaction attached to the connection, so every later <c>BeginTransaction</c> fails with "does not support nested
/// transactions" until the process restarts. Here a transaction SQLite already ended is not rolled back again, and a
/// connection whose state cannot be restored is reported so its owner replaces it.
/// </remarks>
internal static class SqliteWriteTransaction
{
    /// <summary>
    /// Runs <paramref name="body"/> in a write transaction and commits it. On failure the transaction is rolled back if
    /// it is still open and the original exception is rethrown; <paramref name="connectionUsable"/> is then false when
    /// the connection is left in a state that cannot be trusted (the caller must dispose and replace it).
    /// </summary>
    public static T Run<T>(SqliteConnection connection, Func<T> body, out bool connectionUsable)
    {
        connectionUsable = true;
        try
        {
            Execute(connection, "BEGIN IMMEDIATE;");
            var result = body();
            Execute(connection, "COMMIT;");
            return result;
        }
        catch
        {
            connectionUsable = EndAfterFailure(connection);
            throw;
        }
    }

    /// <summary>True when no transaction is open on <paramref name="connection"/> (SQLite's own view).</summary>
    public static bool IsIdle(SqliteConnection connection) =>
        connection.State == System.Data.ConnectionState.Open && sqlite3_get_autocommit(connection.Handle) != 0;

    /// <summary>Rolls back whatever SQLite still holds open; true when the connection is clean afterwards.</summary>
    private static bool EndAfterFailure(SqliteConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return false;
        }
        if (IsIdle(connection))
        {
            // SQLite rolled the transaction back itself (SQLITE_FULL, SQLITE_IOERR…): nothing to roll back.
            return true;
        }
        try
        {
            Execute(connection, "ROLLBACK;");
        }
        catch (SqliteException)
        {
            // Judged below by SQLite's own state.
        }
        return IsIdle(connection);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
