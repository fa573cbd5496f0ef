using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>
/// A database's size cap (<c>MaxDatabaseBytes</c>): may be changed at any time, and is applied to the writer connection
/// (SQLite <c>max_page_count</c>) at its next write, by the thread that owns that connection.
/// </summary>
internal sealed class SqliteSizeCap
{
    private const long None = -1;
    private long wanted;
    private long applied = None;
    private long uncappedPages;

    public SqliteSizeCap(long? bytes) => wanted = bytes ?? None;

    /// <summary>The cap wanted now, or null.</summary>
    public long? Bytes => Interlocked.Read(ref wanted) is var b && b == None ? null : b;

    /// <summary>Changes the cap (null: none); takes effect at the next <see cref="Apply"/>.</summary>
    public void Set(long? bytes)
    {
        if (bytes is { } b)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(b, EmbeddedStoreOptions.MinDatabaseBytes, nameof(bytes));
        }
        Interlocked.Exchange(ref wanted, bytes ?? None);
    }

    /// <summary>Applies the wanted cap to the writer connection if it changed since the last call.</summary>
    public void Apply(SqliteConnection writer)
    {
        var target = Interlocked.Read(ref wanted);
        if (target == applied)
        {
            return;
        }
        if (uncappedPages == 0)
        {
            uncappedPages = SqliteConnections.MaxPageCount(writer);
        }
        SqliteConnections.SetMaxBytes(writer, target == None ? null : target, uncappedPages);
        applied = target;
    }

    /// <summary>The writer connection was replaced: a fresh connection has no cap yet.</summary>
    public void Reset() => applied = None;
}
