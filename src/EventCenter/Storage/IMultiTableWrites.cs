namespace FeaturePlatform.EventCenter.Storage;

/// <summary>
/// Optional capability of an <see cref="IWideTableStore"/> that applies writes to several of its tables in one atomic
/// transaction, and conditional writes without a separate read (the embedded store: one SQLite transaction on its
/// writer connection, shared with concurrent writers by group commit). Callers use it when the store offers it and
/// otherwise write table by table (HBase has no transactions across rows).
/// </summary>
public interface IMultiTableWrites
{
    /// <summary>Applies every put of every table in one transaction: all of them or none.</summary>
    ValueTask PutAsync(IReadOnlyList<TablePuts> writes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies each guarded write whose guard column (the single cell of <see cref="GuardedWrite.Guard"/>) holds no
    /// visible value yet — the guard cell and its <see cref="GuardedWrite.Puts"/> — and leaves the others unwritten, all
    /// in one transaction. The check reads the writer's own state inside that transaction, so two concurrent writers of
    /// the same guard cannot both apply. Expired (TTL) cells count as absent.
    /// </summary>
    /// <returns>Per write, in order: null when it was applied, else the guard column's current value.</returns>
    ValueTask<IReadOnlyList<byte[]?>> PutIfAbsentAsync(IReadOnlyList<GuardedWrite> writes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies every put of <paramref name="puts"/> and, as <see cref="PutIfAbsentAsync"/> does, each guarded write of
    /// <paramref name="guarded"/> whose guard column holds no visible value, all in one transaction: a guarded write that
    /// finds its guard held is left out, the puts are written all the same.
    /// </summary>
    /// <returns>Per guarded write, in order: null when it was applied, else the guard column's current value.</returns>
    ValueTask<IReadOnlyList<byte[]?>> PutWithGuardsAsync(IReadOnlyList<TablePuts> puts, IReadOnlyList<GuardedWrite> guarded, CancellationToken cancellationToken = default);
}

/// <summary>Puts into one table.</summary>
/// <param name="Table">The table.</param>
/// <param name="Puts">The puts.</param>
public sealed record TablePuts(TableName Table, IReadOnlyList<Put> Puts);

/// <summary>A write applied only when its guard column is absent (see <see cref="IMultiTableWrites.PutIfAbsentAsync"/>).</summary>
/// <param name="Table">The guard's table.</param>
/// <param name="Guard">The guard: one cell, checked for absence and written when absent.</param>
/// <param name="Puts">Written with the guard (any tables of the same store).</param>
public sealed record GuardedWrite(TableName Table, Put Guard, IReadOnlyList<TablePuts> Puts);
