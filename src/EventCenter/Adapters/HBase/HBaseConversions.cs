using FeaturePlatform.EventCenter.Adapters.HBase.Generated;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.HBase;

/// <summary>
/// Maps the storage contract's requests and results to and from the generated Thrift2 structs. Byte arrays are
/// shared, never copied: the structs live only for one call.
/// </summary>
internal static class HBaseConversions
{
    public static TPut ToTPut(Put put)
    {
        var cells = put.Cells;
        var values = new List<TColumnValue>(cells.Count);
        for (var i = 0; i < cells.Count; i++)
        {
            var c = cells[i];
            var value = new TColumnValue(c.Family, c.Qualifier, c.Value);
            if (c.Timestamp != Cell.LatestTimestamp)
            {
                value.Timestamp = c.Timestamp;
            }
            values.Add(value);
        }
        return new TPut(put.Row, values);
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

    public static TGet ToTGet(Get get)
    {
        var tget = new TGet(get.Row) { MaxVersions = get.MaxVersions };
        if (ToColumns(get.Columns) is { } columns)
        {
            tget.Columns = columns;
        }
        if (ToRange(get.TimeRange) is { } range)
        {
            tget.TimeRange = range;
        }
        return tget;
    }

    public static TDelete ToTDelete(Delete delete)
    {
        var tdelete = new TDelete(delete.Row) { DeleteType = TDeleteType.DELETE_COLUMNS };
        if (delete.UpToTimestamp is { } upTo)
        {
            tdelete.Timestamp = upTo;
        }
        if (delete.Columns is { } columns)
        {
            tdelete.Columns = columns.Select(c => Column(c.Family, c.Qualifier, delete.UpToTimestamp)).ToList();
        }
        return tdelete;
    }

    public static List<TColumn>? ToColumns(IReadOnlyList<ColumnSelector>? columns) =>
        columns is null || columns.Count == 0 ? null : columns.Select(c => Column(c.Family, c.Qualifier, null)).ToList();

    public static TColumn Column(byte[] family, byte[]? qualifier, long? timestamp)
    {
        var column = new TColumn(family);
        if (qualifier is not null)
        {
            column.Qualifier = qualifier;
        }
        if (timestamp is { } ts)
        {
            column.Timestamp = ts;
        }
        return column;
    }

    public static TTimeRange? ToRange(TimeRange range) => range == TimeRange.All ? null : new TTimeRange(range.Min, range.Max);

    /// <summary>The row, or null when the result has no cells ("not found").</summary>
    public static RowResult? ToRow(TResult result, byte[]? requestedRow = null)
    {
        if (result.ColumnValues is not { Count: > 0 } values)
        {
            return null;
        }
        var cells = new Cell[values.Count];
        for (var i = 0; i < cells.Length; i++)
        {
            var v = values[i];
            cells[i] = new Cell(v.Family, v.Qualifier, v.__isset.timestamp ? v.Timestamp : 0, v.Value);
        }
        return new RowResult(result.Row ?? requestedRow ?? [], cells);
    }

    /// <summary>The table name as the generated client takes it.</summary>
    public static byte[] Bytes(TableName table) => table.QualifiedUtf8.ToArray();
}
