using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>A connection with its prepared commands, reused by SQL text (one user at a time).</summary>
internal sealed class CachedConnection(SqliteConnection connection) : IDisposable
{
    private const int MaxCachedCommands = 128;
    private readonly Dictionary<string, SqliteCommand> commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, sqlite3_stmt> statements = new(StringComparer.Ordinal);

    public SqliteConnection Connection { get; } = connection;

    /// <summary>
    /// The prepared command for <paramref name="sql"/> with <paramref name="parameterCount"/> parameters named
    /// <c>$p0..$pN</c>, bound to <paramref name="transaction"/> (readers' snapshots). Write transactions are plain
    /// BEGIN/COMMIT statements (<see cref="SqliteWriteTransaction"/>), so writers pass none.
    /// </summary>
    public SqliteCommand Command(string sql, int parameterCount, SqliteTransaction? transaction = null)
    {
        if (!commands.TryGetValue(sql, out var command))
        {
            if (commands.Count >= MaxCachedCommands)
            {
                foreach (var c in commands.Values)
                {
                    c.Dispose();
                }
                commands.Clear();
            }
            command = Connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < parameterCount; i++)
            {
                command.Parameters.Add(new SqliteParameter(ParameterName(i), null));
            }
            command.Prepare();
            commands[sql] = command;
        }
        command.Transaction = transaction;
        return command;
    }

    /// <summary>
    /// The prepared native statement for <paramref name="sql"/>, bound and stepped directly (the writer's puts): a row costs
    /// SQLite's own work and a few calls, not a command's reader, parameter binders and statement enumeration.
    /// </summary>
    public sqlite3_stmt Statement(string sql)
    {
        if (!statements.TryGetValue(sql, out var statement))
        {
            var rc = raw.sqlite3_prepare_v2(Connection.Handle, sql, out statement);
            SqliteException.ThrowExceptionForRC(rc, Connection.Handle);
            statements[sql] = statement;
        }
        return statement;
    }

    public static string ParameterName(int i) => i switch
    {
        0 => "$p0", 1 => "$p1", 2 => "$p2", 3 => "$p3", 4 => "$p4", 5 => "$p5", 6 => "$p6", 7 => "$p7",
        _ => "$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public void Dispose()
    {
        foreach (var c in commands.Values)
        {
            c.Dispose();
        }
        commands.Clear();
        foreach (var statement in statements.Values)
        {
            statement.Dispose();
        }
        statements.Clear();
        Connection.Dispose();
    }
}
