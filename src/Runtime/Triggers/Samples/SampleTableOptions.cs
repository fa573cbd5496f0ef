namespace FeaturePlatform.Runtime.Triggers.Samples;

/// <summary>How a sample table is laid out.</summary>
public enum SampleTableFormat
{
    /// <summary>From the file name: <c>.jsonl</c>, <c>.ndjson</c> and <c>.json</c> are JSON lines, anything else CSV.</summary>
    Auto,

    /// <summary>Comma-separated values with a header row naming the columns (RFC 4180 quoting, one row per line).</summary>
    Csv,

    /// <summary>One JSON object per line.</summary>
    JsonLines,
}

/// <summary>Settings of a sample-table trigger.</summary>
public sealed record SampleTableOptions
{
    /// <summary>File layout. Default: <see cref="SampleTableFormat.Auto"/>.</summary>
    public SampleTableFormat Format { get; init; } = SampleTableFormat.Auto;

    /// <summary>Column (CSV) or property (JSON) holding the entity key. Default: <c>key</c>.</summary>
    public string KeyColumn { get; init; } = "key";

    /// <summary>Column or property holding the time: epoch milliseconds or ISO-8601 (UTC when no offset is given). Default: <c>time</c>.</summary>
    public string TimeColumn { get; init; } = "time";

    /// <summary>Column or property holding the optional label. Default: <c>label</c>.</summary>
    public string LabelColumn { get; init; } = "label";

    /// <summary>The table's name in the run's description (e.g. the name the user uploaded it under). Default: null, the file's name.</summary>
    public string? Name { get; init; }

    /// <summary>Rows per batch handed to the logic. Default: 500.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>State reads (one per row) in flight at a time. Default: 16.</summary>
    public int FetchParallelism { get; init; } = 16;

    /// <summary>How many bad rows are kept with their reasons (all are counted). Default: 1000.</summary>
    public int MaxReportedBadRows { get; init; } = 1000;

    /// <summary>The format for <paramref name="path"/>: <see cref="Format"/> unless it is <see cref="SampleTableFormat.Auto"/>.</summary>
    public SampleTableFormat FormatFor(string path) => Format != SampleTableFormat.Auto
        ? Format
        : Path.GetExtension(path).ToLowerInvariant() is ".jsonl" or ".ndjson" or ".json" ? SampleTableFormat.JsonLines : SampleTableFormat.Csv;
}

/// <summary>One good row of a sample table.</summary>
/// <param name="Line">1-based line number in the file.</param>
/// <param name="Key">The entity key.</param>
/// <param name="Time">The time, ms since the Unix epoch.</param>
/// <param name="Label">The label, if the table has one.</param>
public sealed record SampleRow(long Line, string Key, long Time, string? Label);

/// <summary>A row that could not be read; it is skipped and the run goes on.</summary>
/// <param name="Line">1-based line number in the file.</param>
/// <param name="Reason">What is wrong with it.</param>
public sealed record SampleRowError(long Line, string Reason);
