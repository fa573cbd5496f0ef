namespace FeaturePlatform.EventCenter.Storage;

/// <summary>One versioned cell: family:qualifier at a timestamp (milliseconds since the Unix epoch).</summary>
/// <param name="Family">Column family, a short ASCII name declared in the table's <see cref="TableSpec"/>.</param>
/// <param name="Qualifier">Column qualifier (any bytes, may be empty).</param>
/// <param name="Timestamp">Version timestamp in ms; <see cref="Cell.LatestTimestamp"/> lets the store assign "now".</param>
/// <param name="Value">The value (may be empty).</param>
public readonly record struct Cell(byte[] Family, byte[] Qualifier, long Timestamp, byte[] Value)
{
    /// <summary>Marker for "let the store stamp the cell with the current time" (HBase's LATEST_TIMESTAMP).</summary>
    public const long LatestTimestamp = long.MaxValue;
}

/// <summary>A half-open time range [<paramref name="Min"/>, <paramref name="Max"/>) of cell timestamps.</summary>
public readonly record struct TimeRange(long Min, long Max)
{
    /// <summary>Every timestamp.</summary>
    public static TimeRange All { get; } = new(0, long.MaxValue);

    /// <summary>True if <paramref name="timestamp"/> lies in the range.</summary>
    public bool Contains(long timestamp) => timestamp >= Min && timestamp < Max;
}

/// <summary>A column selector: a whole family, or one family:qualifier.</summary>
public readonly record struct ColumnSelector(byte[] Family, byte[]? Qualifier = null);

/// <summary>A row read from a table: its key and cells, sorted by family, qualifier, then newest first.</summary>
public sealed record RowResult(byte[] Row, IReadOnlyList<Cell> Cells);
