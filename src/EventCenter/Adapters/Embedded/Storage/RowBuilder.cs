using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

/// <summary>
/// Collects one row's stored cells (in index order) and turns them into what a read returns: cells of undeclared
/// families, expired cells and versions beyond min(request, family) MaxVersions dropped, null if nothing is left.
/// </summary>
internal sealed class RowBuilder(TableInfo table, int maxVersions, long nowMs)
{
    private List<Cell> stored = [];

    public int Count => stored.Count;

    public void Add(Cell cell) => stored.Add(cell);

    public void Clear() => stored.Clear();

    /// <summary>Builds the row from the collected cells (<paramref name="reversedOrder"/>: they came newest-last) and clears.</summary>
    public RowResult? Finish(byte[] row, bool reversedOrder)
    {
        if (reversedOrder)
        {
            stored.Reverse();
        }
        List<Cell>? visible = null;
        var dropped = false;
        FamilyInfo? family = null;
        byte[]? familyName = null;
        byte[]? qualifier = null;
        var versions = 0;
        var limit = 0;
        long cutoff = 0;
        foreach (var cell in stored)
        {
            if (!ReferenceEquals(cell.Family, familyName) && (familyName is null || !cell.Family.AsSpan().SequenceEqual(familyName)))
            {
                familyName = cell.Family;
                family = table.Find(cell.Family);
                qualifier = null;
                if (family is not null)
                {
                    limit = Math.Min(maxVersions, family.MaxVersions);
                    cutoff = family.ExpiryCutoff(nowMs);
                }
            }
            var keep = family is not null && cell.Timestamp >= cutoff;
            if (keep && qualifier is not null && cell.Qualifier.AsSpan().SequenceEqual(qualifier))
            {
                keep = ++versions <= limit;
            }
            else if (keep)
            {
                qualifier = cell.Qualifier;
                versions = 1;
            }
            if (!keep)
            {
                dropped = true;
                continue;
            }
            (visible ??= []).Add(cell);
        }
        if (!dropped && visible is not null)
        {
            // Common case, everything visible: hand over the collected list instead of copying it.
            visible = stored;
            stored = [];
            return new RowResult(row, visible);
        }
        stored.Clear();
        return visible is null ? null : new RowResult(row, visible);
    }
}
