using System.Runtime.ExceptionServices;
using FeaturePlatform.EventCenter.Adapters.HBase.Generated;
using FeaturePlatform.EventCenter.Storage;

namespace FeaturePlatform.EventCenter.Adapters.HBase;

public sealed partial class HBaseWideTableStore
{
    /// <inheritdoc />
    public async ValueTask PutAsync(TableName table, IReadOnlyList<Put> puts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        StorageValidation.ValidatePuts(puts);
        table = Resolve(table);
        for (var i = 0; i < puts.Count; i++)
        {
            foreach (var cell in puts[i].Cells)
            {
                if (cell.Value.Length > Options.MaxValueBytes)
                {
                    throw new ArgumentException(
                        $"Put #{i} (row {StorageValidation.Describe(puts[i].Row)}) has a {cell.Value.Length}-byte value; at most {Options.MaxValueBytes} bytes are allowed (HBaseOptions.MaxValueBytes).",
                        nameof(puts));
                }
                CheckFamily(table, cell.Family);
            }
        }
        if (puts.Count == 0)
        {
            return;
        }
        var chunks = Chunks(puts.Count, i => HBaseConversions.EstimateSize(puts[i])).ToList();
        if (chunks.Count == 1)
        {
            await PutChunkAsync(table, puts, 0, puts.Count, cancellationToken).ConfigureAwait(false);
            return;
        }
        await PutChunksAsync(table, puts, chunks, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the requests of one large batch over up to <see cref="HBaseOptions.PoolSize"/> connections at once, so
    /// that the server decodes one while the next is encoded. Requests start in batch order, each once the one
    /// <see cref="HBaseOptions.PoolSize"/> places before it succeeded; the failure reported is that of the first failed
    /// request, once those in flight have finished, so every row before it was applied (what
    /// <see cref="HBaseBatchException.FirstFailedIndex"/> promises).
    /// </summary>
    private async Task PutChunksAsync(TableName table, IReadOnlyList<Put> puts, List<(int From, int Count)> chunks, CancellationToken cancellationToken)
    {
        var running = new Task[chunks.Count];
        var started = 0;
        for (; started < Math.Min(Options.PoolSize, chunks.Count); started++)
        {
            running[started] = PutChunkAsync(table, puts, chunks[started].From, chunks[started].Count, cancellationToken);
        }
        ExceptionDispatchInfo? failure = null;
        for (var i = 0; i < started; i++)
        {
            try
            {
                await running[i].ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Later failures are observed and dropped: the first one in batch order is the one to report.
                failure ??= ExceptionDispatchInfo.Capture(e);
            }
            if (failure is null && started < chunks.Count)
            {
                running[started] = PutChunkAsync(table, puts, chunks[started].From, chunks[started].Count, cancellationToken);
                started++;
            }
        }
        failure?.Throw();
    }

    private async Task PutChunkAsync(TableName table, IReadOnlyList<Put> puts, int from, int count, CancellationToken cancellationToken)
    {
        var chunk = new List<TPut>(count);
        var idempotent = true;
        for (var i = from; i < from + count; i++)
        {
            chunk.Add(HBaseConversions.ToTPut(puts[i]));
            idempotent &= HBaseConversions.IsIdempotent(puts[i]);
        }
        try
        {
            await client.ExecuteAsync((table: HBaseConversions.Bytes(table), chunk), static (c, s, ct) => c.putMultiple(s.table, s.chunk, ct), idempotent, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw BatchFailure(e, table, "put", from, count, puts[from].Row);
        }
    }
}
