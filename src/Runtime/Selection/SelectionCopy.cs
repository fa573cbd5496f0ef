using System.Collections.Concurrent;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// The in-memory columnar copy of the feature store: one <see cref="FeatureTable"/> per job, loaded from the store at
/// start (<see cref="LoadAsync"/>) and updated on every write of this process's <see cref="FeatureStore"/>
/// (<see cref="Written"/>), newest event time winning per cell as in the store. Writes made by other processes (a
/// <c>replay --feature-store</c> CLI run, other hosts) arrive with the next <see cref="LoadAsync"/> (the resync).
/// </summary>
public sealed class SelectionCopy : IFeatureWriteListener
{
    private readonly ConcurrentDictionary<string, FeatureTable> tables = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first load from the store finished (selection waits for it).</summary>
    public Task Loaded => loaded.Task;

    /// <summary>The table of <paramref name="job"/> (empty when it never wrote).</summary>
    public FeatureTable Table(string job) => tables.GetOrAdd(job, static j => new FeatureTable(j));

    /// <summary>The jobs that have features in the copy.</summary>
    public IReadOnlyCollection<string> Jobs => tables.Keys.ToList();

    /// <inheritdoc />
    public void Written(IReadOnlyList<FeatureResult> results)
    {
        foreach (var group in results.GroupBy(r => r.Job))
        {
            Table(group.Key).ApplyMany(group.Select(r => (r.Key, Cells(r.Values), r.EventTime)), replaceEqual: true);
        }
    }

    /// <summary>
    /// Reads the whole feature table and merges it in; a cell replaces the copy's only when strictly newer, so a write
    /// applied during the load is never undone. Returns the rows read.
    /// </summary>
    public async Task<long> LoadAsync(FeatureStore store, CancellationToken cancellationToken)
    {
        long rows = 0;
        try
        {
            var batch = new List<StoredFeatureRow>(1024);
            await foreach (var row in store.ScanAsync(null, pageSize: 2048, cancellationToken: cancellationToken))
            {
                batch.Add(row);
                rows++;
                if (batch.Count == batch.Capacity)
                {
                    Merge(batch);
                    batch.Clear();
                }
            }
            Merge(batch);
            loaded.TrySetResult();
            return rows;
        }
        catch (Exception e) when (!loaded.Task.IsCompleted && e is not OperationCanceledException)
        {
            loaded.TrySetException(e);
            throw;
        }
    }

    private void Merge(List<StoredFeatureRow> rows)
    {
        foreach (var group in rows.GroupBy(r => r.Job))
        {
            var table = Table(group.Key);
            // Each cell carries its own event time: apply them one time stamp at a time.
            table.ApplyMany(group.SelectMany(r => r.Cells.GroupBy(c => c.EventTime)
                .Select(g => (r.Key, g.Select(c => KeyValuePair.Create(c.Column, CellValue.FromJson(c.Json))), g.Key))), replaceEqual: false);
        }
    }

    private static IEnumerable<KeyValuePair<string, CellValue>> Cells(IReadOnlyList<KeyValuePair<string, object?>> values) =>
        values.Select(v => KeyValuePair.Create(v.Key, CellValue.From(v.Value)));
}
