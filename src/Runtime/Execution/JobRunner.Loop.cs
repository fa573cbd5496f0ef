using System.Threading.Channels;
using FeaturePlatform.Runtime.Triggers;

namespace FeaturePlatform.Runtime.Execution;

/// <summary>The run loop of <see cref="JobRunner"/>: batches through the logic and the outputs, the stages overlapping.</summary>
public sealed partial class JobRunner
{
    /// <summary>Runs every batch of <paramref name="trigger"/> until it ends or <paramref name="cancellationToken"/> fires.</summary>
    /// <remarks>
    /// Three stages overlap. Batch N+1 is taken from the trigger and handed to the logic (converted, its settled answers
    /// read ahead and sent to a worker, queued for the interpreter) while the logic still runs batch N, so the logic does
    /// not wait for the host between batches; and batch N's results are written and the batch acknowledged while the
    /// logic runs N+1. At most two batches are with the logic at once, and a batch is handed over for writing as soon as
    /// its logic ends (never held back waiting for the next batch of a live trigger). Writes and acknowledgements stay in
    /// batch order, and a batch is acknowledged only after its own results are written. When a batch's logic or a write
    /// fails, the batch after it is cancelled, waited for and never written or acknowledged.
    /// </remarks>
    public async Task RunAsync(ITrigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // One batch waits here while the hand-over stage holds the one before: two with the logic at most.
        var started = Channel.CreateBounded<Computing>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var handOver = HandOverAllAsync(started.Reader, abandon, cancellationToken);
        try
        {
            await using var batches = trigger.ReadAsync(abandon.Token).GetAsyncEnumerator(abandon.Token);
            // A batch is taken from the trigger only once it can go to the logic at once.
            while (await started.Writer.WaitToWriteAsync(abandon.Token) && await batches.MoveNextAsync())
            {
                var batch = batches.Current;
                started.Writer.TryWrite(new Computing(batch, batch.Events.Count > 0 ? ComputeAsync(batch.Events, abandon.Token) : null));
            }
            started.Writer.TryComplete();
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The hand-over stage failed and stopped the run: its error is the run's (below).
            started.Writer.TryComplete();
        }
        catch
        {
            started.Writer.TryComplete();
            await abandon.CancelAsync();
            await handOver.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        await handOver;
    }

    /// <summary>
    /// Hands the started batches over for writing, in order. On a failure it stops the run (<paramref name="abandon"/>),
    /// waits for the batches started after the failed one, then throws.
    /// </summary>
    private async Task HandOverAllAsync(ChannelReader<Computing> started, CancellationTokenSource abandon, CancellationToken cancellationToken)
    {
        Task? finishing = null;
        try
        {
            await foreach (var computing in started.ReadAllAsync(CancellationToken.None))
            {
                finishing = await HandOverAsync(computing, finishing, cancellationToken);
            }
        }
        catch
        {
            await abandon.CancelAsync();
            await foreach (var left in started.ReadAllAsync(CancellationToken.None))
            {
                await AbandonAsync(left);
            }
            throw;
        }
        finally
        {
            if (finishing is not null)
            {
                await finishing;
            }
        }
    }

    /// <summary>
    /// Waits for <paramref name="computed"/>'s logic and for the batch before it to be written; returns the task that
    /// writes and acknowledges it (its own task: the outputs of an embedded store write synchronously and would
    /// otherwise hold up the next batch).
    /// </summary>
    private async Task<Task> HandOverAsync(Computing computed, Task? finishing, CancellationToken cancellationToken)
    {
        var batch = computed.Task is null ? null : await computed.Task;
        if (finishing is not null)
        {
            try
            {
                await finishing;
            }
            catch when (batch?.InFlight is { } token)
            {
                // This batch is never written: it no longer holds repairs back.
                recorder!.InFlight.End(token);
                throw;
            }
        }
        return Task.Run(async () =>
        {
            if (batch is not null)
            {
                await WriteAsync(batch, cancellationToken);
            }
            await computed.Batch.CompleteAsync(cancellationToken);
        }, CancellationToken.None);
    }

    /// <summary>Waits for a batch that will not be written (the run failed or stopped before it); its failure is not the run's.</summary>
    private async Task AbandonAsync(Computing computed)
    {
        if (computed.Task is not { } task)
        {
            return;
        }
        await ((Task)task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (task.IsCompletedSuccessfully && task.Result.InFlight is { } token)
        {
            recorder!.InFlight.End(token);
        }
    }

    /// <summary>A batch whose logic was started.</summary>
    private sealed record Computing(TriggerBatch Batch, Task<ComputedBatch>? Task);
}
