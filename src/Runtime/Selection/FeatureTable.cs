namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// A job's feature table in columns: entity key → row, one typed <see cref="FeatureColumn"/> per feature column, and
/// each row's newest event time (<see cref="UpdatedColumn"/>). The in-memory selection copy keeps one per job, rebuilt
/// from the store at start and updated on every write; the scan engine decodes each page of a store scan into one.
/// </summary>
/// <remarks>Thread-safe: writes take the write lock; <see cref="Read{T}"/> runs a reader under the read lock.</remarks>
public sealed class FeatureTable
{
    /// <summary>The pseudo-column of a row's newest event time (a timestamp): predicates use it for freshness.</summary>
    public const string UpdatedColumn = "$updated";

    private const int InitialCapacity = 1024;

    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, int> rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FeatureColumn> columns = new(StringComparer.Ordinal);
    private string[] keys = new string[InitialCapacity];
    private long[] updated = new long[InitialCapacity];

    /// <summary>Creates an empty table of <paramref name="job"/>.</summary>
    public FeatureTable(string job) => Job = job;

    /// <summary>The job whose features these are.</summary>
    public string Job { get; }

    /// <summary>Rows (entities).</summary>
    public int Count { get; private set; }

    /// <summary>Key per row.</summary>
    internal ReadOnlySpan<string> Keys => keys.AsSpan(0, Count);

    /// <summary>Newest event time per row.</summary>
    internal ReadOnlySpan<long> Updated => updated.AsSpan(0, Count);

    /// <summary>The column named <paramref name="name"/>, or null.</summary>
    internal FeatureColumn? Column(string name) => columns.GetValueOrDefault(name);

    /// <summary>
    /// Applies one entity's cells: each replaces the stored cell when its event time is newer (or equal, with
    /// <paramref name="replaceEqual"/>: a write of the same timestamp replaces the value, as a put does; a rebuild from
    /// the store passes false, so a write that landed during the rebuild is never undone by the older scan).
    /// </summary>
    public void Apply(string key, IEnumerable<KeyValuePair<string, CellValue>> cells, long eventTime, bool replaceEqual)
    {
        gate.EnterWriteLock();
        try
        {
            ApplyLocked(key, cells, eventTime, replaceEqual);
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>Applies several entities' cells under one lock (<see cref="Apply"/>).</summary>
    public void ApplyMany(IEnumerable<(string Key, IEnumerable<KeyValuePair<string, CellValue>> Cells, long EventTime)> entities, bool replaceEqual)
    {
        gate.EnterWriteLock();
        try
        {
            foreach (var (key, cells, eventTime) in entities)
            {
                ApplyLocked(key, cells, eventTime, replaceEqual);
            }
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>Runs <paramref name="reader"/> under the read lock (writers wait; keep it short).</summary>
    public T Read<T>(Func<FeatureTable, T> reader)
    {
        gate.EnterReadLock();
        try
        {
            return reader(this);
        }
        finally
        {
            gate.ExitReadLock();
        }
    }

    /// <summary>The columns and the kinds of value each has held.</summary>
    public SelectionSchema Schema() => Read(t => new SelectionSchema(
        t.columns.Values.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => new SchemaColumn(c.Name, SchemaColumn.KindsOf(c.KindsSeen))).ToList(), t.Count));

    private void ApplyLocked(string key, IEnumerable<KeyValuePair<string, CellValue>> cells, long eventTime, bool replaceEqual)
    {
        if (!rows.TryGetValue(key, out var row))
        {
            row = Count;
            if (row == keys.Length)
            {
                var capacity = keys.Length * 2;
                Array.Resize(ref keys, capacity);
                Array.Resize(ref updated, capacity);
                foreach (var column in columns.Values)
                {
                    column.Grow(capacity);
                }
            }
            keys[row] = key;
            rows.Add(key, row);
            Count++;
        }
        foreach (var (name, value) in cells)
        {
            if (!columns.TryGetValue(name, out var column))
            {
                column = new FeatureColumn(name, keys.Length);
                columns.Add(name, column);
            }
            if (column.Set(row, value, eventTime, replaceEqual) && eventTime > updated[row])
            {
                updated[row] = eventTime;
            }
        }
    }
}

/// <summary>A job's feature columns as selection sees them.</summary>
/// <param name="Columns">The columns, by name.</param>
/// <param name="Rows">Entities (in the copy; for the scan engine, in the sample the schema came from).</param>
public sealed record SelectionSchema(IReadOnlyList<SchemaColumn> Columns, int Rows)
{
    /// <summary>The column named <paramref name="name"/>, or null.</summary>
    public SchemaColumn? Find(string name) => Columns.FirstOrDefault(c => c.Name == name);
}

/// <summary>A feature column and the kinds of value it has held.</summary>
/// <param name="Name">The column.</param>
/// <param name="Kinds">Kinds held (null excluded): usually one.</param>
public sealed record SchemaColumn(string Name, IReadOnlyList<ValueKind> Kinds)
{
    internal static IReadOnlyList<ValueKind> KindsOf(int mask) =>
        Enum.GetValues<ValueKind>().Where(k => k != ValueKind.Null && (mask & (1 << (int)k)) != 0).ToList();
}
