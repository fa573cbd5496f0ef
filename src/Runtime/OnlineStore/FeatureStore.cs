using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Storage;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Outputs;

namespace FeaturePlatform.Runtime.OnlineStore;

/// <summary>
/// The feature store: per (job, entity key) the latest features, in a wide table of the event center's storage
/// (HBase or embedded). Each column is a cell stamped with the event time, so an upsert is idempotent and a late or
/// replayed older result never overwrites a newer one: the newest event time wins, whatever the write order.
/// </summary>
/// <param name="store">The wide-table store (the event center's hot store).</param>
/// <param name="table">The table. Default: <c>features</c>.</param>
/// <param name="saltBuckets">Salt buckets of the row keys. Default: 16.</param>
/// <param name="listener">Told of every write once the store took it (the selection copy). Default: none.</param>
public sealed partial class FeatureStore(IWideTableStore store, TableName? table = null, int saltBuckets = 16, IFeatureWriteListener? listener = null) : IJobOutput
{
    private static readonly byte[] Family = "f"u8.ToArray();
    private static readonly byte[] Meta = "m"u8.ToArray();
    private static readonly byte[] EventIdColumn = "event_id"u8.ToArray();
    private static readonly byte[] VersionColumn = "version"u8.ToArray();
    private static readonly byte[] ModelsColumn = "models"u8.ToArray();

    /// <summary>The table. Default: <c>features</c>.</summary>
    public TableName Table { get; } = table ?? new TableName(null, "features");

    /// <inheritdoc />
    public string Name => "feature-store";

    /// <summary>Creates (embedded) or verifies (HBase) the table.</summary>
    public ValueTask EnsureTableAsync(CancellationToken cancellationToken = default) =>
        store.EnsureTableAsync(new TableSpec(Table, [new FamilySpec("f"), new FamilySpec("m")]), cancellationToken);

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
    {
        if (results.Count == 0)
        {
            return;
        }
        var puts = new List<Put>(results.Count);
        foreach (var result in results)
        {
            var ts = result.EventTime;
            var cells = new List<Cell>(result.Values.Count + 2);
            foreach (var (column, value) in result.Values)
            {
                cells.Add(new Cell(Family, Encoding.UTF8.GetBytes(column), ts, JsonSerializer.SerializeToUtf8Bytes(value)));
            }
            cells.Add(new Cell(Meta, EventIdColumn, ts, Encoding.UTF8.GetBytes(result.Trigger.EventId)));
            cells.Add(new Cell(Meta, VersionColumn, ts, Encoding.UTF8.GetBytes(result.JobVersion)));
            if (result.Models.Count > 0)
            {
                cells.Add(new Cell(Meta, ModelsColumn, ts, JsonSerializer.SerializeToUtf8Bytes(result.Models)));
            }
            puts.Add(new Put(RowKey(result.Job, result.Key), cells));
        }
        await store.PutAsync(Table, puts, cancellationToken);
        listener?.Written(results);
    }

    /// <summary>The latest features of <paramref name="key"/> computed by <paramref name="job"/>, or null.</summary>
    /// <remarks>A single get, not a one-key <see cref="GetManyAsync"/>: that opens a read transaction per call (measured by the api-lookup benchmark).</remarks>
    public async ValueTask<FeatureRecord?> GetAsync(string job, string key, IReadOnlyList<string>? columns = null, CancellationToken cancellationToken = default)
    {
        var row = await store.GetAsync(Table, new Get(RowKey(job, key)) { Columns = Selectors(columns) }, cancellationToken);
        return row is null ? null : Decode(job, key, row);
    }

    /// <summary>The latest features of several keys in one round trip; the result lines up with <paramref name="keys"/>.</summary>
    public async ValueTask<IReadOnlyList<FeatureRecord?>> GetManyAsync(string job, IReadOnlyList<string> keys, IReadOnlyList<string>? columns = null, CancellationToken cancellationToken = default)
    {
        var selectors = Selectors(columns);
        var rows = await store.GetManyAsync(Table, keys.Select(k => new Get(RowKey(job, k)) { Columns = selectors }).ToList(), cancellationToken);
        return rows.Select((row, i) => row is null ? null : Decode(job, keys[i], row)).ToList();
    }

    /// <summary>
    /// The event time of each key's stored features (null where none is stored), in one round trip, in the order of
    /// <paramref name="keys"/>: what a backfill compares its results with (newest event time wins).
    /// </summary>
    public async ValueTask<IReadOnlyList<long?>> GetEventTimesAsync(string job, IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        IReadOnlyList<ColumnSelector> selector = [new ColumnSelector(Meta, EventIdColumn)];
        var rows = await store.GetManyAsync(Table, keys.Select(k => new Get(RowKey(job, k)) { Columns = selector }).ToList(), cancellationToken);
        return rows.Select(row => row is { Cells.Count: > 0 } ? row.Cells.Max(c => c.Timestamp) : (long?)null).ToList();
    }

    private static IReadOnlyList<ColumnSelector>? Selectors(IReadOnlyList<string>? columns) => columns is null
        ? null
        : [.. columns.Select(c => new ColumnSelector(Family, Encoding.UTF8.GetBytes(c))), new ColumnSelector(Meta)];

    /// <summary>Whether any entity has features of <paramref name="job"/> (one short scan per salt bucket).</summary>
    public async ValueTask<bool> HasJobAsync(string job, CancellationToken cancellationToken = default)
    {
        var jobBytes = Encoding.UTF8.GetBytes(job);
        for (var salt = 0; salt < saltBuckets; salt++)
        {
            byte[] prefix = [(byte)salt, .. jobBytes, 0];
            await foreach (var _ in store.ScanAsync(Table, new Scan { Prefix = prefix, Limit = 1, PageSize = 1, Columns = [new ColumnSelector(Meta)] }, cancellationToken))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Hash of (job, key) into the salt byte: spreads entities over regions, keeps a job's rows apart.</summary>
    private byte[] RowKey(string job, string key)
    {
        var jobBytes = Encoding.UTF8.GetBytes(job);
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var row = new byte[1 + jobBytes.Length + 1 + keyBytes.Length];
        jobBytes.CopyTo(row, 1);
        keyBytes.CopyTo(row, 2 + jobBytes.Length);
        var hash = 2166136261u;
        foreach (var b in row.AsSpan(1))
        {
            hash = (hash ^ b) * 16777619u; // FNV-1a: stable across processes and versions
        }
        row[0] = (byte)(hash % (uint)saltBuckets);
        return row;
    }

    private static FeatureRecord Decode(string job, string key, RowResult row)
    {
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        long eventTime = 0;
        string? eventId = null;
        var version = "";
        IReadOnlyDictionary<string, string> models = Models.ModelBindings.None;
        foreach (var cell in row.Cells)
        {
            if (cell.Family.AsSpan().SequenceEqual(Family))
            {
                // Disposed: returns the document's pooled buffers (the clone owns its own copy).
                using var document = JsonDocument.Parse(cell.Value);
                values[Encoding.UTF8.GetString(cell.Qualifier)] = document.RootElement.Clone();
                eventTime = Math.Max(eventTime, cell.Timestamp);
            }
            else if (cell.Qualifier.AsSpan().SequenceEqual(EventIdColumn))
            {
                eventId = Encoding.UTF8.GetString(cell.Value);
            }
            else if (cell.Qualifier.AsSpan().SequenceEqual(VersionColumn))
            {
                version = Encoding.UTF8.GetString(cell.Value);
            }
            else if (cell.Qualifier.AsSpan().SequenceEqual(ModelsColumn))
            {
                models = JsonSerializer.Deserialize<Dictionary<string, string>>(cell.Value)!;
            }
        }
        return new FeatureRecord(job, key, eventTime, eventId, version, values) { Models = models };
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>The latest features of one entity from one job.</summary>
/// <param name="Job">The job that computed them.</param>
/// <param name="Key">The entity key.</param>
/// <param name="EventTime">Event time the features are valid at (ms).</param>
/// <param name="EventId">The event that produced them.</param>
/// <param name="JobVersion">The job version (content hash of its code) that computed them.</param>
/// <param name="Values">Column → value.</param>
public sealed record FeatureRecord(string Job, string Key, long EventTime, string? EventId, string JobVersion, IReadOnlyDictionary<string, JsonElement> Values)
{
    /// <summary>The model versions that computed them (model → version; empty for jobs without models).</summary>
    public IReadOnlyDictionary<string, string> Models { get; init; } = Runtime.Models.ModelBindings.None;
}
