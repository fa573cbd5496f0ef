using System.Collections.Concurrent;
using System.Text.Json;
using FeaturePlatform.EventCenter.Storage;
using Microsoft.Data.Sqlite;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>
/// The persisted list of wide tables and their families (table <c>_widetables</c>), cached in memory.
/// Changed only through the writer connection.
/// </summary>
internal sealed class TableCatalog
{
    private const string MetaTable = "_widetables";
    private readonly ConcurrentDictionary<string, TableInfo> tables = new(StringComparer.Ordinal);

    public IEnumerable<TableInfo> All => tables.Values;

    public TableInfo Get(TableName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return tables.TryGetValue(name.Qualified, out var info) ? info : throw new TableNotFoundException(name);
    }

    public void Load(SqliteConnection writer)
    {
        SqliteConnections.Execute(writer, $"CREATE TABLE IF NOT EXISTS {MetaTable}(name TEXT PRIMARY KEY, families TEXT NOT NULL)");
        using var command = writer.CreateCommand();
        command.CommandText = $"SELECT name, families FROM {MetaTable}";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var name = TableName.Parse(reader.GetString(0));
            var families = JsonSerializer.Deserialize<List<StoredFamily>>(reader.GetString(1))
                ?? throw new InvalidDataException($"Table '{name}' has no family list in {MetaTable}.");
            var spec = new TableSpec(name, families.Select(f => f.ToSpec()).ToList());
            tables[name.Qualified] = new TableInfo(spec);
        }
    }

    /// <summary>True when <paramref name="spec"/> differs from what is stored (a new table, or families changed).</summary>
    public bool NeedsChange(TableSpec spec) =>
        !tables.TryGetValue(spec.Name.Qualified, out var existing) || !SameFamilies(existing.Spec, spec);

    /// <summary>
    /// Creates or alters the table (new families added, settings changed, dropped families' cells deleted) inside the
    /// caller's write transaction; <see cref="Publish"/> the result once that transaction committed.
    /// </summary>
    public TableInfo Write(SqliteConnection writer, TableSpec spec)
    {
        var info = new TableInfo(spec);
        tables.TryGetValue(spec.Name.Qualified, out var existing);
        SqliteConnections.Execute(writer,
            $"CREATE TABLE IF NOT EXISTS {info.SqlName}(row BLOB NOT NULL, fam BLOB NOT NULL, qual BLOB NOT NULL, nts INTEGER NOT NULL, val BLOB NOT NULL, " +
            "PRIMARY KEY(row, fam, qual, nts)) WITHOUT ROWID");
        if (existing is not null)
        {
            foreach (var dropped in existing.Families.Where(f => info.Find(f.Name) is null))
            {
                using var delete = writer.CreateCommand();
                delete.CommandText = $"DELETE FROM {info.SqlName} WHERE fam = $fam";
                delete.Parameters.AddWithValue("$fam", dropped.Name);
                delete.ExecuteNonQuery();
            }
        }
        using (var upsert = writer.CreateCommand())
        {
            upsert.CommandText = $"INSERT OR REPLACE INTO {MetaTable}(name, families) VALUES ($name, $families)";
            upsert.Parameters.AddWithValue("$name", spec.Name.Qualified);
            upsert.Parameters.AddWithValue("$families", JsonSerializer.Serialize(spec.Families.Select(StoredFamily.From).ToList()));
            upsert.ExecuteNonQuery();
        }
        return info;
    }

    /// <summary>Makes a committed <see cref="Write"/> visible.</summary>
    public void Publish(TableInfo info) => tables[info.Spec.Name.Qualified] = info;

    private static bool SameFamilies(TableSpec a, TableSpec b) =>
        a.Families.Count == b.Families.Count && a.Families.OrderBy(f => f.Name, StringComparer.Ordinal).SequenceEqual(b.Families.OrderBy(f => f.Name, StringComparer.Ordinal));

    private sealed record StoredFamily(string Name, int MaxVersions, long? TtlMs)
    {
        public static StoredFamily From(FamilySpec f) => new(f.Name, f.MaxVersions, f.TimeToLive is { } t ? (long)t.TotalMilliseconds : null);

        public FamilySpec ToSpec() => new(Name, MaxVersions, TtlMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null);
    }
}
