namespace FeaturePlatform.Runtime.Selection;

/// <summary>Which engine answers selections.</summary>
public enum SelectionEngineKind
{
    /// <summary>The in-memory copy on the embedded store; scans with filter push-down on HBase.</summary>
    Auto,
    /// <summary>The in-memory columnar copy of the feature store, kept in step with every write (<see cref="SelectionCopy"/>).</summary>
    Memory,
    /// <summary>A scan of the feature store per request, with filter push-down where the store takes filter strings; no copy is kept.</summary>
    Scan,
}

/// <summary>Feature selection (section <c>Runtime:Selection</c>; docs/selection.md).</summary>
public sealed record SelectionSettings
{
    /// <summary>The engine. Default: <see cref="SelectionEngineKind.Auto"/> (memory copy on embedded, scan + push-down on HBase).</summary>
    public SelectionEngineKind Engine { get; init; } = SelectionEngineKind.Auto;

    /// <summary>
    /// How often the in-memory copy re-reads the feature table to pick up writes made by other processes (a
    /// <c>replay --feature-store</c> CLI run, other hosts); zero turns it off. Default: 10 minutes.
    /// </summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Keys on a page when the request names none. Default: 100.</summary>
    public int DefaultPageSize { get; init; } = 100;

    /// <summary>Most keys on a page. Default: 10,000.</summary>
    public int MaxPageSize { get; init; } = 10_000;

    /// <summary>Rows the scan engine reads to learn a job's columns and their types. Default: 10,000.</summary>
    public int SchemaSampleRows { get; init; } = 10_000;

    /// <summary>Where export runs write their files and summaries. Default: <c>&lt;EventCenter:DataDirectory&gt;/selections</c>.</summary>
    public string? ExportDirectory { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (ResyncInterval < TimeSpan.Zero)
        {
            throw new ArgumentException("Runtime:Selection:ResyncInterval must be zero (off) or positive.");
        }
        if (MaxPageSize < 1 || DefaultPageSize < 1 || DefaultPageSize > MaxPageSize)
        {
            throw new ArgumentException("Runtime:Selection:DefaultPageSize must be within 1..MaxPageSize.");
        }
        if (SchemaSampleRows < 1)
        {
            throw new ArgumentException("Runtime:Selection:SchemaSampleRows must be at least 1.");
        }
    }

    /// <summary>The directory of export runs given the event center's data directory.</summary>
    public string ResolveExportDirectory(string dataDirectory) => ExportDirectory ?? Path.Combine(dataDirectory, "selections");
}
