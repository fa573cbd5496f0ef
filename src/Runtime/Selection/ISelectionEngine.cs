namespace FeaturePlatform.Runtime.Selection;

/// <summary>
/// Evaluates selections over a job's features: the in-memory copy (<see cref="MemorySelectionEngine"/>, the embedded
/// default) or a scan of the feature store with the predicate pushed down where the store can (<see cref="ScanSelectionEngine"/>).
/// </summary>
public interface ISelectionEngine
{
    /// <summary>The engine's name as answers report it.</summary>
    string Name { get; }

    /// <summary>The job's columns and the kinds of value they hold (what predicates are checked against).</summary>
    ValueTask<SelectionSchema> SchemaAsync(string job, CancellationToken cancellationToken);

    /// <summary>The count of matches and one page of them.</summary>
    ValueTask<SelectionPage> SelectAsync(SelectionQuery query, CancellationToken cancellationToken);

    /// <summary>Every match with the chosen columns (for exports), in no particular order; <paramref name="total"/> is told the count first.</summary>
    IAsyncEnumerable<SelectedRow> MatchesAsync(string job, Predicate predicate, IReadOnlyList<string> columns, Action<long> total, CancellationToken cancellationToken);
}
