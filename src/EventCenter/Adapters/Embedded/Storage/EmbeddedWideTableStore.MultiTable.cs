using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.Embedded.Storage;

public sealed partial class EmbeddedWideTableStore : IMultiTableWrites
{
    /// <inheritdoc />
    public async ValueTask PutAsync(IReadOnlyList<TablePuts> writes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writes);
        var resolved = Resolve(writes);
        if (resolved.Count == 0)
        {
            return;
        }
        await WriteAsync(w =>
        {
            var now = NowMs();
            foreach (var (info, puts) in resolved)
            {
                WritePuts(w, info, puts, now);
            }
            return true;
        }, resolved[0].Info.Name, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<byte[]?>> PutIfAbsentAsync(IReadOnlyList<GuardedWrite> writes, CancellationToken cancellationToken = default) =>
        PutWithGuardsAsync([], writes, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<byte[]?>> PutWithGuardsAsync(IReadOnlyList<TablePuts> puts, IReadOnlyList<GuardedWrite> guarded, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(guarded);
        var plain = Resolve(puts);
        if (guarded.Count == 0 && plain.Count == 0)
        {
            return [];
        }
        var guards = new (TableInfo Info, FamilyInfo Family, Put Guard, List<(TableInfo Info, IReadOnlyList<Put> Puts)> Puts)[guarded.Count];
        for (var i = 0; i < guarded.Count; i++)
        {
            var write = guarded[i] ?? throw new ArgumentException("A guarded write is null.", nameof(guarded));
            ArgumentNullException.ThrowIfNull(write.Guard);
            StorageValidation.ValidatePuts([write.Guard]);
            if (write.Guard.Cells.Count != 1)
            {
                throw new ArgumentException("A guard is one cell: the column checked for absence.", nameof(guarded));
            }
            var info = catalog.Get(write.Table);
            CheckFamilies(info, [write.Guard]);
            guards[i] = (info, info.Require(write.Guard.Cells[0].Family), write.Guard, Resolve(write.Puts));
        }
        return await WriteAsync<IReadOnlyList<byte[]?>>(w =>
        {
            var now = NowMs();
            foreach (var (table, tablePuts) in plain)
            {
                WritePuts(w, table, tablePuts, now);
            }
            var existing = new byte[]?[guards.Length];
            foreach (var (i, (info, family, guard, guardedPuts)) in guards.Index())
            {
                var cell = guard.Cells[0];
                if (LatestValue(w, info, family, guard.Row, cell.Qualifier, now) is { } held)
                {
                    existing[i] = held;
                    continue;
                }
                foreach (var (table, tablePuts) in guardedPuts)
                {
                    WritePuts(w, table, tablePuts, now);
                }
                WritePuts(w, info, [guard], now);
            }
            return existing;
        }, plain.Count > 0 ? plain[0].Info.Name : guards[0].Info.Name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest visible value of one column, read on the writer connection (inside its transaction).</summary>
    private static byte[]? LatestValue(CachedConnection w, TableInfo info, FamilyInfo family, byte[] row, byte[] qualifier, long now)
    {
        var command = w.Command($"SELECT val FROM {info.SqlName} WHERE row = $p0 AND fam = $p1 AND qual = $p2 AND nts <= $p3 ORDER BY nts ASC LIMIT 1", 4);
        Bind(command, row, family.Name, qualifier, -family.ExpiryCutoff(now));
        using var reader = command.ExecuteReader();
        return reader.Read() ? reader.GetFieldValue<byte[]>(0) : null;
    }

    /// <summary>Validated puts with their tables; tables without puts left out.</summary>
    private List<(TableInfo Info, IReadOnlyList<Put> Puts)> Resolve(IReadOnlyList<TablePuts> writes)
    {
        var resolved = new List<(TableInfo, IReadOnlyList<Put>)>(writes.Count);
        foreach (var write in writes ?? [])
        {
            ArgumentNullException.ThrowIfNull(write);
            StorageValidation.ValidatePuts(write.Puts);
            var info = catalog.Get(write.Table);
            CheckFamilies(info, write.Puts);
            if (write.Puts.Count > 0)
            {
                resolved.Add((info, write.Puts));
            }
        }
        return resolved;
    }
}
