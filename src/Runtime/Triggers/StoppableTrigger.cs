using FeaturePlatform.EventCenter.Events;

namespace FeaturePlatform.Runtime.Triggers;

/// <summary>
/// Wraps a trigger so it can be stopped gracefully: once <paramref name="stop"/> fires, no further batch is handed out
/// but the batches being run (the run loop hands the next batch to the logic before the current one ends, so up to two)
/// are not interrupted — the run loop finishes them, writes their outputs and acknowledges them (for a live trigger:
/// commits their offsets) before the trigger ends. A read waiting for messages is cancelled; messages read
/// but not yet handed out are not acknowledged, so they are delivered again on the next start.
/// </summary>
/// <param name="inner">The trigger.</param>
/// <param name="stop">Ends the trigger after the current batch.</param>
/// <param name="completed">Called with each batch's events once the batch is acknowledged (optional).</param>
internal sealed class StoppableTrigger(ITrigger inner, CancellationToken stop, Action<IReadOnlyList<ChangeEvent>>? completed = null) : ITrigger
{
    /// <inheritdoc />
    public string Description => inner.Description;

    /// <inheritdoc />
    public long? EstimatedTotal => inner.EstimatedTotal;

    /// <inheritdoc />
    public async IAsyncEnumerable<TriggerBatch> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stop);
        var batches = inner.ReadAsync(linked.Token).GetAsyncEnumerator(linked.Token);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                TriggerBatch batch;
                try
                {
                    if (!await batches.MoveNextAsync())
                    {
                        yield break;
                    }
                    batch = batches.Current;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    yield break;
                }
                yield return completed is null ? batch : new TriggerBatch(batch.Events, async ct =>
                {
                    await batch.CompleteAsync(ct);
                    completed(batch.Events);
                });
            }
        }
        finally
        {
            await batches.DisposeAsync();
        }
    }
}
