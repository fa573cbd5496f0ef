using FeaturePlatform.EventCenter.Storage.HBase.Wire;

namespace FeaturePlatform.EventCenter.Storage.HBase;

/// <summary>Maps the storage contract's requests and results to and from the Thrift2 structs.</summary>
internal static class HBaseConversions
{
    public static TPut ToTPut(Put put)
    {
        var values = new TColumnValue[put.Cells.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var c = put.Cells[i];
            values[i] = new TColumnValue(c.Family, c.Qualifier, c.Value, c.Timestamp == Cell.LatestTimestamp ? null : c.Timestamp);
        }
        return new TPut { Row = put.Row, ColumnValues = values };
    }

    /// <summary>A put is idempotent when every cell has an explicit timestamp (re-applying it writes the same cells).</summary>
    public static bool IsIdempotent(Put put)
    {
        foreach (var c in put.Cells)
        {
            if (c.Timestamp == Cell.LatestTimestamp)
            {
                return false;
            }
        }
        return true;
    }

    public static long EstimateSize(Put put)
    {
        long size = put.Row.Length + 16;
        foreach (var c in put.Cells)
        {
            size += c.Family.Length + c.Qualifier.Length + c.Value.Length + 32;
        }
        return size;
    }

    public static TGet ToTGet(Get get) => new()
    {
        Row = get.Row,
        Columns = ToColumns(get.Columns),
        TimeRange = ToRange(get.TimeRange),
        MaxVersions = get.MaxVersions,
    };

    public static TDelete ToTDelete(Delete delete) => new()
    {
        Row = delete.Row,
        Columns = delete.Columns?.Select(c => new TColumn(c.Family, c.Qualifier, delete.UpToTimestamp)).ToList(),
        Timestamp = delete.UpToTimestamp,
        DeleteType = TDeleteType.DeleteColumns,
    };

    public static List<TColumn>? ToColumns(IReadOnlyList<ColumnSelector>? columns) =>
        columns is null || columns.Count == 0 ? null : columns.Select(c => new TColumn(c.Family, c.Qualifier)).ToList();

    public static TTimeRange? ToRange(TimeRange range) => range == TimeRange.All ? null : new TTimeRange(range.Min, range.Max);

    /// <summary>The row, or null when the result has no cells ("not found").</summary>
    public static RowResult? ToRow(TResult result, byte[]? requestedRow = null)
    {
        if (result.ColumnValues.Count == 0)
        {
            return null;
        }
        var cells = new Cell[result.ColumnValues.Count];
        for (var i = 0; i < cells.Length; i++)
        {
            var v = result.ColumnValues[i];
            cells[i] = new Cell(v.Family, v.Qualifier, v.Timestamp ?? 0, v.Value);
        }
        return new RowResult(result.Row ?? requestedRow ?? [], cells);
    }
}
