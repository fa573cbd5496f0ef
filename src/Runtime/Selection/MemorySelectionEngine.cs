using System.Runtime.CompilerServices;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// Selection over the in-memory columnar copy (<see cref="SelectionCopy"/>): a predicate is a few passes over typed
/// arrays under the table's read lock; pages take the smallest keys after the cursor; exports snapshot the matches
/// under the lock and stream them after releasing it.
/// </summary>
public sealed class MemorySelectionEngine(SelectionCopy copy) : ISelectionEngine
{
    /// <inheritdoc />
    public string Name => "memory";

    /// <inheritdoc />
    public async ValueTask<SelectionSchema> SchemaAsync(string job, CancellationToken cancellationToken)
    {
        await copy.Loaded.WaitAsync(cancellationToken);
        return copy.Table(job).Schema();
    }

    /// <inheritdoc />
    public async ValueTask<SelectionPage> SelectAsync(SelectionQuery query, CancellationToken cancellationToken)
    {
        await copy.Loaded.WaitAsync(cancellationToken);
        return copy.Table(query.Job).Read(table =>
        {
            var bits = PredicateEvaluator.Evaluate(table, query.Predicate);
            var collector = new PageCollector<int>(query.PageSize, query.After);
            var keys = table.Keys;
            foreach (var row in PredicateEvaluator.Rows(bits))
            {
                collector.Offer(keys[row], row);
            }
            var (page, more) = collector.Drain();
            var rows = page.Select(p => Row(table, p.Handle, query.Columns)).ToList();
            return new SelectionPage(collector.Count, rows, more ? rows[^1].Key : null, Name, null);
        });
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SelectedRow> MatchesAsync(string job, Predicate predicate, IReadOnlyList<string> columns, Action<long> total,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await copy.Loaded.WaitAsync(cancellationToken);
        var snapshot = copy.Table(job).Read(table =>
        {
            var bits = PredicateEvaluator.Evaluate(table, predicate);
            var rows = new List<SelectedRow>(PredicateEvaluator.Count(bits));
            foreach (var row in PredicateEvaluator.Rows(bits))
            {
                rows.Add(Row(table, row, columns));
            }
            return rows;
        });
        total(snapshot.Count);
        foreach (var row in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }
    }

    /// <summary>Row <paramref name="row"/> with <paramref name="columns"/> (caller holds the read lock).</summary>
    internal static SelectedRow Row(FeatureTable table, int row, IReadOnlyList<string> columns)
    {
        var values = new CellValue[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            values[i] = columns[i] == FeatureTable.UpdatedColumn
                ? new CellValue(ValueKind.Timestamp, table.Updated[row], null)
                : table.Column(columns[i])?.Get(row) ?? CellValue.Null;
        }
        return new SelectedRow(table.Keys[row], table.Updated[row], values);
    }
}
