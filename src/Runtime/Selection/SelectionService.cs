using FeaturePlatform.Runtime.Exports;

namespace FeaturePlatform.Runtime.Selection;

/// <summary>A selection to run: the job, the predicate, the columns to return, the freshness bound.</summary>
/// <param name="Job">The job whose features are selected.</param>
/// <param name="Predicate">The predicate.</param>
/// <param name="Columns">Feature columns returned with each key (empty: keys only).</param>
/// <param name="MaxAge">Only rows updated (newest event time) within this long before now; null: any.</param>
/// <param name="PredicateText">The predicate as the caller wrote it (JSON), kept with export runs; null when not written.</param>
public sealed record SelectionSpec(string Job, Predicate Predicate, IReadOnlyList<string> Columns, TimeSpan? MaxAge = null, string? PredicateText = null);

/// <summary>
/// The front of feature selection: checks a selection against the job's columns, adds the freshness bound, and runs it
/// on the configured engine — a page at once, or an export run. The API, the CLI and saved selections go through it.
/// A job's columns are those its declaration lists (<paramref name="declared"/>) and those seen in the store, so a
/// predicate over a declared column is accepted before the job wrote anything.
/// </summary>
/// <param name="engine">The engine.</param>
/// <param name="runs">Export runs.</param>
/// <param name="settings">Selection settings.</param>
/// <param name="clock">The clock of freshness bounds.</param>
/// <param name="declared">A job's declared output columns, or null when the job is not loaded here. Default: none.</param>
/// <param name="running">A job's running version and parameter values (kept with an export run), or null when the job is not loaded here.</param>
public sealed class SelectionService(ISelectionEngine engine, SelectionRuns runs, SelectionSettings settings, TimeProvider clock,
    Func<string, IReadOnlyList<SchemaColumn>?>? declared = null, Func<string, (string Version, IReadOnlyDictionary<string, object?> Parameters)?>? running = null)
{
    /// <summary>The engine answering.</summary>
    public ISelectionEngine Engine => engine;

    /// <summary>The settings.</summary>
    public SelectionSettings Settings => settings;

    /// <summary>The export runs.</summary>
    public SelectionRuns Runs => runs;

    /// <summary>The job's columns and their types: what its declaration lists, and the kinds of value seen in the store.</summary>
    public async ValueTask<SelectionSchema> SchemaAsync(string job, CancellationToken cancellationToken)
    {
        var seen = await engine.SchemaAsync(job, cancellationToken);
        if (declared?.Invoke(job) is not { Count: > 0 } columns)
        {
            return seen;
        }
        var merged = columns.Select(c => seen.Find(c.Name) is { } s ? new SchemaColumn(c.Name, [.. c.Kinds.Union(s.Kinds).Order()]) : c)
            .Concat(seen.Columns.Where(s => columns.All(c => c.Name != s.Name)))
            .OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        return new SelectionSchema(merged, seen.Rows);
    }

    /// <summary>The count and one page (keys after <paramref name="after"/>, at most <paramref name="pageSize"/>, default from settings).</summary>
    /// <exception cref="SelectionException">A wrong column, type, operator or page size; names the field.</exception>
    public async ValueTask<SelectionPage> SelectAsync(SelectionSpec spec, int? pageSize, string? after, CancellationToken cancellationToken)
    {
        var size = pageSize ?? settings.DefaultPageSize;
        if (size < 1 || size > settings.MaxPageSize)
        {
            throw new SelectionException("pageSize", $"pageSize must be within 1..{settings.MaxPageSize}; page on with the cursor for more.");
        }
        var predicate = await CheckAsync(spec, cancellationToken);
        return await engine.SelectAsync(new SelectionQuery(spec.Job, predicate, spec.Columns, size, after), cancellationToken);
    }

    /// <summary>Starts an export run of every match; answers at once (poll <see cref="SelectionRuns.Find"/>).</summary>
    /// <param name="spec">What to select.</param>
    /// <param name="format">The file format.</param>
    /// <param name="savedName">The saved selection run, or null.</param>
    /// <param name="requestedBy">Who started it, kept with the run.</param>
    /// <param name="cancellationToken">Cancels the checks (not the run).</param>
    public async ValueTask<SelectionRunStatus> ExportAsync(SelectionSpec spec, ExportFormat format, string? savedName, string? requestedBy, CancellationToken cancellationToken)
    {
        var predicate = await CheckAsync(spec, cancellationToken);
        var schema = await SchemaAsync(spec.Job, cancellationToken);
        var types = spec.Columns.Select(c => c == FeatureTable.UpdatedColumn ? ValueKind.Timestamp : SelectionExport.ColumnType(schema.Find(c)!.Kinds)).ToList();
        return runs.Start(spec.Job, format, spec.Columns, types, savedName, (total, ct) => engine.MatchesAsync(spec.Job, predicate, spec.Columns, total, ct),
            running?.Invoke(spec.Job) is { } job ? new SelectionLineage(requestedBy, spec.PredicateText, job.Version, job.Parameters) : new SelectionLineage(requestedBy, spec.PredicateText, null, null));
    }

    /// <summary>Checks <paramref name="spec"/> against the job's columns; returns the predicate with the freshness bound.</summary>
    public async ValueTask<Predicate> CheckAsync(SelectionSpec spec, CancellationToken cancellationToken)
    {
        var schema = await SchemaAsync(spec.Job, cancellationToken);
        PredicateValidator.Validate(spec.Predicate, schema, spec.Job);
        PredicateValidator.ValidateColumns(spec.Columns, schema, spec.Job);
        if (spec.MaxAge is not { } maxAge)
        {
            return spec.Predicate;
        }
        if (maxAge <= TimeSpan.Zero)
        {
            throw new SelectionException("maxAgeSeconds", "maxAgeSeconds must be positive (rows updated within that many seconds).");
        }
        var since = clock.GetUtcNow().ToUnixTimeMilliseconds() - (long)maxAge.TotalMilliseconds;
        return new AllOf([spec.Predicate, new Comparison(FeatureTable.UpdatedColumn, Op.Ge, [Literal.Time(since)])]);
    }
}
