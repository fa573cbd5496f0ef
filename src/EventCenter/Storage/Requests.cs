namespace FeaturePlatform.EventCenter.Storage;

/// <summary>Writes <paramref name="Cells"/> into row <paramref name="Row"/>.</summary>
public sealed record Put(byte[] Row, IReadOnlyList<Cell> Cells);

/// <summary>
/// Deletes from row <paramref name="Row"/>: the whole row when <paramref name="Columns"/> is null,
/// otherwise all versions of each selected family or column. With <paramref name="UpToTimestamp"/>,
/// only versions at or before that timestamp are removed.
/// </summary>
public sealed record Delete(byte[] Row, IReadOnlyList<ColumnSelector>? Columns = null, long? UpToTimestamp = null);

/// <summary>Reads one row.</summary>
public sealed record Get(byte[] Row)
{
    /// <summary>Columns to return; null (or empty) returns every family. Default: null.</summary>
    public IReadOnlyList<ColumnSelector>? Columns { get; init; }

    /// <summary>Only versions in this range are returned. Default: every timestamp.</summary>
    public TimeRange TimeRange { get; init; } = TimeRange.All;

    /// <summary>Newest versions returned per column. Default: 1.</summary>
    public int MaxVersions { get; init; } = 1;
}

/// <summary>Reads a key range, forward or reverse, in pages.</summary>
public sealed record Scan
{
    /// <summary>
    /// First row (inclusive). Empty means the table's start (or its end for a reverse scan, where the start
    /// row is the highest key returned). Default: empty.
    /// </summary>
    public byte[] StartRow { get; init; } = [];

    /// <summary>Row where the scan stops (exclusive). Empty means no bound. Default: empty.</summary>
    public byte[] StopRow { get; init; } = [];

    /// <summary>Scan rows from high keys to low keys. Default: false.</summary>
    public bool Reversed { get; init; }

    /// <summary>Columns to return; null (or empty) returns every family. Default: null.</summary>
    public IReadOnlyList<ColumnSelector>? Columns { get; init; }

    /// <summary>Only versions in this range are returned. Default: every timestamp.</summary>
    public TimeRange TimeRange { get; init; } = TimeRange.All;

    /// <summary>Newest versions returned per column. Default: 1.</summary>
    public int MaxVersions { get; init; } = 1;

    /// <summary>Maximum number of rows returned in all; 0 means no limit. Default: 0.</summary>
    public int Limit { get; init; }

    /// <summary>Rows fetched from the store per round trip. Default: 256.</summary>
    public int PageSize { get; init; } = 256;

    /// <summary>
    /// Only rows whose key starts with this prefix; combined with <see cref="StartRow"/>/<see cref="StopRow"/>
    /// when those are set. Works in both directions. Default: empty (no prefix).
    /// </summary>
    public byte[] Prefix { get; init; } = [];

    /// <summary>
    /// An HBase filter-language expression the server applies to the scanned rows (Thrift2 <c>filterString</c>), e.g.
    /// <c>SingleColumnValueFilter('f', 'c', =, 'binary:"x"', true, true)</c>. Only stores whose
    /// <see cref="IWideTableStore.SupportsFilterString"/> is true accept it; others throw <see cref="NotSupportedException"/>.
    /// Default: null (no filter).
    /// </summary>
    public string? FilterString { get; init; }
}
