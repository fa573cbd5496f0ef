namespace FeaturePlatform.EventCenter.Storage.Embedded;

/// <summary>
/// Collects one row's stored cells (in index order) and turns them into what a read returns: cells of undeclared
/// families, expired cells and versions beyond min(request, family) MaxVersions dropped, null if nothing is left.
/// </summary>
internal sealed class RowBuilder(TableInfo table, int maxVersions, long nowMs)
{
    private readonly List<Cell> stored = [];

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
            if (family is null || cell.Timestamp < cutoff)
            {
                continue;
            }
            if (qualifier is not null && cell.Qualifier.AsSpan().SequenceEqual(qualifier))
            {
                if (++versions > limit)
                {
                    continue;
                }
            }
            else
            {
                qualifier = cell.Qualifier;
                versions = 1;
            }
            (visible ??= new List<Cell>(stored.Count)).Add(cell);
        }
        stored.Clear();
        return visible is null ? null : new RowResult(row, visible);
    }
}
