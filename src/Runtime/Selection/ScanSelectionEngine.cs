using System.Runtime.CompilerServices;
using FeaturePlatform.Runtime.OnlineStore;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// Selection by scanning the job's rows in the feature store, page by page: each page is decoded into a small
/// <see cref="FeatureTable"/> and evaluated with the same <see cref="PredicateEvaluator"/> as the in-memory copy. On a
/// store that takes filter strings (HBase) the pushable part of the predicate goes with the scan
/// (<see cref="HBaseFilterTranslator"/>), so the server drops most non-matching rows; the page evaluation keeps the
/// answer exact. Costs a full scan of the job's rows (less what the filter drops) per request.
/// </summary>
/// <param name="store">The feature store.</param>
/// <param name="schemaSampleRows">Rows read to learn the job's columns and their types. Default: 10,000.</param>
/// <param name="pushDown">Whether to push filters down when the store takes them. Default: true.</param>
public sealed class ScanSelectionEngine(FeatureStore store, int schemaSampleRows = 10_000, bool pushDown = true) : ISelectionEngine
{
    private const int PageRows = 1024;

    /// <inheritdoc />
    public string Name => PushesDown ? "scan+pushdown" : "scan";

    private bool PushesDown => pushDown && store.SupportsFilterString;

    /// <inheritdoc />
    public async ValueTask<SelectionSchema> SchemaAsync(string job, CancellationToken cancellationToken)
    {
        var table = new FeatureTable(job);
        await foreach (var row in store.ScanAsync(job, pageSize: PageRows, cancellationToken: cancellationToken))
        {
            Apply(table, row);
            if (table.Count >= schemaSampleRows)
            {
                break;
            }
        }
        return table.Schema();
    }

    /// <inheritdoc />
    public async ValueTask<SelectionPage> SelectAsync(SelectionQuery query, CancellationToken cancellationToken)
    {
        var collector = new PageCollector<SelectedRow>(query.PageSize, query.After);
        await foreach (var row in Matches(query.Job, query.Predicate, query.Columns, cancellationToken))
        {
            collector.Offer(row.Key, row);
        }
        var (page, more) = collector.Drain();
        var rows = page.Select(p => p.Handle).ToList();
        return new SelectionPage(collector.Count, rows, more ? rows[^1].Key : null, Name, Filter(query.Predicate));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SelectedRow> MatchesAsync(string job, Predicate predicate, IReadOnlyList<string> columns, Action<long> total,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The count needs a pass of its own: the export's progress is against it.
        long count = 0;
        await foreach (var _ in Matches(job, predicate, [], cancellationToken))
        {
            count++;
        }
        total(count);
        await foreach (var row in Matches(job, predicate, columns, cancellationToken))
        {
            yield return row;
        }
    }

    /// <summary>The filter string sent with the scan, or null.</summary>
    public string? Filter(Predicate predicate) => PushesDown ? HBaseFilterTranslator.Translate(predicate) : null;

    private async IAsyncEnumerable<SelectedRow> Matches(string job, Predicate predicate, IReadOnlyList<string> columns,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = Filter(predicate);
        var page = new FeatureTable(job);
        await foreach (var row in store.ScanAsync(job, filter, PageRows, cancellationToken))
        {
            Apply(page, row);
            if (page.Count == PageRows)
            {
                foreach (var match in Evaluate(page, predicate, columns))
                {
                    yield return match;
                }
                page = new FeatureTable(job);
            }
        }
        foreach (var match in Evaluate(page, predicate, columns))
        {
            yield return match;
        }
    }

    private static List<SelectedRow> Evaluate(FeatureTable page, Predicate predicate, IReadOnlyList<string> columns) => page.Read(table =>
        PredicateEvaluator.Rows(PredicateEvaluator.Evaluate(table, predicate)).Select(row => MemorySelectionEngine.Row(table, row, columns)).ToList());

    private static void Apply(FeatureTable table, StoredFeatureRow row)
    {
        foreach (var group in row.Cells.GroupBy(c => c.EventTime))
        {
            table.Apply(row.Key, group.Select(c => KeyValuePair.Create(c.Column, CellValue.FromJson(c.Json))), group.Key, replaceEqual: true);
        }
    }
}
