using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>A connection with its prepared commands, reused by SQL text (one user at a time).</summary>
internal sealed class CachedConnection(SqliteConnection connection) : IDisposable
{
    private const int MaxCachedCommands = 128;
    private readonly Dictionary<string, SqliteCommand> commands = new(StringComparer.Ordinal);

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
        Connection.Dispose();
    }
}
