using System.Text;

namespace FeaturePlatform.EventCenter.Storage;

/// <summary>
/// Input checks both backends run before touching the store, so that bad input fails the same way
/// (<see cref="ArgumentException"/> naming the offending item) everywhere and no part of a batch is applied.
/// </summary>
public static class StorageValidation
{
    /// <summary>Longest row key HBase accepts (<c>Short.MAX_VALUE</c> bytes).</summary>
    public const int MaxRowKeyLength = short.MaxValue;

    /// <summary>Longest family name accepted.</summary>
    public const int MaxFamilyLength = 64;

    /// <summary>Checks a table spec: at least one family, valid unique names, MaxVersions ≥ 1, positive TTLs.</summary>
    public static void ValidateSpec(TableSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(spec.Name, nameof(spec));
        if (spec.Families is null || spec.Families.Count == 0)
        {
            throw new ArgumentException($"Table '{spec.Name}' must declare at least one column family.", nameof(spec));
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in spec.Families)
        {
            ValidateFamilyName(f.Name);
            if (!seen.Add(f.Name))
            {
                throw new ArgumentException($"Table '{spec.Name}' declares family '{f.Name}' twice.", nameof(spec));
            }
            if (f.MaxVersions < 1)
            {
                throw new ArgumentException($"Family '{f.Name}': MaxVersions must be at least 1, not {f.MaxVersions}.", nameof(spec));
            }
            if (f.TimeToLive is { } ttl && ttl <= TimeSpan.Zero)
            {
                throw new ArgumentException($"Family '{f.Name}': TimeToLive must be positive, not {ttl}.", nameof(spec));
            }
        }
    }

    /// <summary>Checks a family name: 1–64 printable ASCII characters, no ':', not starting with '.'.</summary>
    public static void ValidateFamilyName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxFamilyLength || name[0] == '.')
        {
            throw new ArgumentException($"Family name '{name}' must be 1–{MaxFamilyLength} characters and not start with '.'.", nameof(name));
        }
        foreach (var c in name)
        {
            if (c is < '!' or > '~' or ':')
            {
                throw new ArgumentException($"Family name '{name}' contains '{c}'; only printable ASCII without ':' is allowed.", nameof(name));
            }
        }
    }

    /// <summary>Checks a row key: not null, 1–<see cref="MaxRowKeyLength"/> bytes.</summary>
    public static void ValidateRowKey(byte[]? row, string what = "row key")
    {
        if (row is null || row.Length == 0)
        {
            throw new ArgumentException($"The {what} must not be empty.", nameof(row));
        }
        if (row.Length > MaxRowKeyLength)
        {
            throw new ArgumentException($"The {what} {Describe(row)} is {row.Length} bytes; at most {MaxRowKeyLength} are allowed.", nameof(row));
        }
    }

    /// <summary>Checks a batch of puts; the message names the index and row of the first bad put.</summary>
    public static void ValidatePuts(IReadOnlyList<Put> puts)
    {
        ArgumentNullException.ThrowIfNull(puts);
        for (var i = 0; i < puts.Count; i++)
        {
            var put = puts[i] ?? throw new ArgumentException($"Put #{i} is null.", nameof(puts));
            var what = $"row key of put #{i}";
            ValidateRowKey(put.Row, what);
            if (put.Cells is null || put.Cells.Count == 0)
            {
                throw new ArgumentException($"Put #{i} (row {Describe(put.Row)}) has no cells.", nameof(puts));
            }
            foreach (var cell in put.Cells)
            {
                if (cell.Family is null || cell.Family.Length == 0 || cell.Qualifier is null || cell.Value is null)
                {
                    throw new ArgumentException($"Put #{i} (row {Describe(put.Row)}) has a cell with a null/empty family or a null qualifier/value.", nameof(puts));
                }
                if (cell.Timestamp < 0)
                {
                    throw new ArgumentException($"Put #{i} (row {Describe(put.Row)}) has a negative timestamp {cell.Timestamp}.", nameof(puts));
                }
            }
        }
    }

    /// <summary>Checks a get.</summary>
    public static void ValidateGet(Get get)
    {
        ArgumentNullException.ThrowIfNull(get);
        ValidateRowKey(get.Row);
        ValidateReadShape(get.Columns, get.TimeRange, get.MaxVersions);
    }

    /// <summary>Checks a scan: bounds may be empty, but not longer than a row key; positive page size; limit ≥ 0.</summary>
    public static void ValidateScan(Scan scan)
    {
        ArgumentNullException.ThrowIfNull(scan);
        foreach (var (key, what) in new[] { (scan.StartRow, "start row"), (scan.StopRow, "stop row"), (scan.Prefix, "prefix") })
        {
            if (key is null || key.Length > MaxRowKeyLength)
            {
                throw new ArgumentException($"The scan's {what} must be non-null and at most {MaxRowKeyLength} bytes.", nameof(scan));
            }
        }
        if (scan.PageSize < 1)
        {
            throw new ArgumentException($"PageSize must be at least 1, not {scan.PageSize}.", nameof(scan));
        }
        if (scan.Limit < 0)
        {
            throw new ArgumentException($"Limit must not be negative, not {scan.Limit}.", nameof(scan));
        }
        ValidateReadShape(scan.Columns, scan.TimeRange, scan.MaxVersions);
    }

    /// <summary>Checks a batch of deletes.</summary>
    public static void ValidateDeletes(IReadOnlyList<Delete> deletes)
    {
        ArgumentNullException.ThrowIfNull(deletes);
        for (var i = 0; i < deletes.Count; i++)
        {
            var d = deletes[i] ?? throw new ArgumentException($"Delete #{i} is null.", nameof(deletes));
            ValidateRowKey(d.Row, $"row key of delete #{i}");
            if (d.Columns is not null)
            {
                ValidateColumns(d.Columns);
            }
            if (d.UpToTimestamp is < 0)
            {
                throw new ArgumentException($"Delete #{i}: UpToTimestamp must not be negative.", nameof(deletes));
            }
        }
    }

    /// <summary>A short printable form of a key for error messages (hex, truncated).</summary>
    public static string Describe(ReadOnlySpan<byte> key)
    {
        const int Shown = 32;
        var sb = new StringBuilder("0x");
        foreach (var b in key[..Math.Min(key.Length, Shown)])
        {
            sb.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
        if (key.Length > Shown)
        {
            sb.Append("…");
        }
        return sb.ToString();
    }

    private static void ValidateReadShape(IReadOnlyList<ColumnSelector>? columns, TimeRange range, int maxVersions)
    {
        if (columns is not null)
        {
            ValidateColumns(columns);
        }
        if (range.Min < 0 || range.Max < range.Min)
        {
            throw new ArgumentException($"Time range [{range.Min}, {range.Max}) is invalid.", nameof(range));
        }
        if (maxVersions < 1)
        {
            throw new ArgumentException($"MaxVersions must be at least 1, not {maxVersions}.", nameof(maxVersions));
        }
    }

    private static void ValidateColumns(IReadOnlyList<ColumnSelector> columns)
    {
        foreach (var c in columns)
        {
            if (c.Family is null || c.Family.Length == 0)
            {
                throw new ArgumentException("A column selector must name a family.", nameof(columns));
            }
        }
    }
}
