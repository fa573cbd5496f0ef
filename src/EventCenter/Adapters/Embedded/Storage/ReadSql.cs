using System.Text;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>
/// Builds the SELECTs for gets and scan pages, with their parameter values in order. Timestamps are stored
/// negated (<c>nts = -ts</c>) so the all-ascending primary key yields versions newest first in both directions.
/// </summary>
internal static class ReadSql
{
    public const string ForwardOrder = " ORDER BY row ASC, fam ASC, qual ASC, nts ASC";
    public const string ReverseOrder = " ORDER BY row DESC, fam DESC, qual DESC, nts DESC";

    /// <summary>Cells of one row: fam, qual, ts, val.</summary>
    public static string Get(TableInfo table, IReadOnlyList<ColumnSelector>? columns, List<object> values, byte[] row, TimeRange range)
    {
        var sql = new StringBuilder("SELECT fam, qual, nts, val FROM ").Append(table.SqlName).Append(" WHERE row = $p0");
        values.Add(row);
        AppendFilters(sql, columns, values, range, seekColumns: true);
        return sql.Append(" ORDER BY fam ASC, qual ASC, nts ASC").ToString();
    }

    /// <summary>Cells of a key range: row, fam, qual, ts, val, in scan order.</summary>
    public static string Scan(TableInfo table, KeyRange range, bool reversed, IReadOnlyList<ColumnSelector>? columns, TimeRange time, List<object> values)
    {
        var sql = new StringBuilder("SELECT row, fam, qual, nts, val FROM ").Append(table.SqlName).Append(" WHERE 1");
        if (range.Lower is { } lo)
        {
            sql.Append(" AND row ").Append(lo.Inclusive ? ">= " : "> ").Append(Next(values, lo.Key));
        }
        if (range.Upper is { } hi)
        {
            sql.Append(" AND row ").Append(hi.Inclusive ? "<= " : "< ").Append(Next(values, hi.Key));
        }
        AppendFilters(sql, columns, values, time, seekColumns: false);
        return sql.Append(reversed ? ReverseOrder : ForwardOrder).ToString();
    }

    // seekColumns: let SQLite seek on family/qualifier (gets). Scans mark them with unary + instead: SQLite 3.35
    // otherwise treats a single fam/qual equality as making those columns constant and sorts the rest of the ORDER BY.
    private static void AppendFilters(StringBuilder sql, IReadOnlyList<ColumnSelector>? columns, List<object> values, TimeRange range, bool seekColumns)
    {
        if (range.Min > 0)
        {
            sql.Append(" AND nts <= ").Append(Next(values, -range.Min));
        }
        if (range.Max < long.MaxValue)
        {
            sql.Append(" AND nts > ").Append(Next(values, -range.Max));
        }
        if (columns is { Count: > 0 })
        {
            sql.Append(" AND (");
            for (var i = 0; i < columns.Count; i++)
            {
                if (i > 0)
                {
                    sql.Append(" OR ");
                }
                var c = columns[i];
                sql.Append(seekColumns ? "(fam = " : "(+fam = ").Append(Next(values, c.Family));
                if (c.Qualifier is not null)
                {
                    sql.Append(seekColumns ? " AND qual = " : " AND +qual = ").Append(Next(values, c.Qualifier));
                }
                sql.Append(')');
            }
            sql.Append(')');
        }
    }

    private static string Next(List<object> values, object value)
    {
        values.Add(value);
        return CachedConnection.ParameterName(values.Count - 1);
    }
}
