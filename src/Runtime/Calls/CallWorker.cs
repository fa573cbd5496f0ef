using System.Text.Json;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.Ingestion.DeadLetters;
using FeaturePlatform.Runtime.Execution;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// One member of the call workers' consumer group: takes calls from the calls topic and runs each through a
/// <see cref="CallRunner"/> (claimed in the <see cref="CallLedger"/> — an atomic conditional write: exactly one runner
/// of all processes runs a request id —, run, answer stored, waiters here signalled, request–message answers
/// published), and only then commits the batch's offsets (at-least-once delivery, exactly-once runs).
/// </summary>
/// <remarks>
/// A call delivered again (the worker died before its commit, a retry of the request produced it again, or the
/// accepting process ran it itself and put it on the bus only because its wait ran out) is answered from the ledger
/// or waited for as <see cref="CallRunner"/> says.
/// </remarks>
public sealed class CallWorker(
    IMessageBus bus,
    CallSettings settings,
    JobCaller caller,
    CallLedger ledger,
    CallCompletions completions,
    ICallReplyPublisher? replies,
    ILogger logger,
    IDeadLetterSink? deadLetters = null,
    TimeProvider? clock = null)
{
    private readonly CallRunner runner = new(settings, caller, ledger, completions, replies, logger, clock);

    /// <summary>Calls whose job ran here.</summary>
    public long Runs => runner.Runs;

    /// <summary>Calls answered from the stored answer (delivered again, or run by another worker) without running the job here.</summary>
    public long AnsweredFromStore => runner.AnsweredFromStore;

    /// <summary>How long a worker with calls in flight waits for more before it looks at finished ones.</summary>
    private static readonly TimeSpan BusyWait = TimeSpan.FromMilliseconds(5);

    /// <summary>Commits while calls keep arriving happen at most this often; an idle worker commits at once.</summary>
    private static readonly TimeSpan CommitInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Test hook: runs before each commit, after the calls it covers are answered (a crash there re-delivers them).</summary>
    internal Func<Task>? BeforeCommit { get; init; }

    /// <summary>Consumes calls until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <remarks>
    /// Calls run as they arrive (up to <see cref="CallSettings.MaxBatch"/> at once), so a slow call does not hold back
    /// the ones behind it; a partition's offset is committed only up to its first call still running.
    /// </remarks>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var consumer = bus.CreateConsumer(settings.GroupId, [settings.Topic], new BusLatencyTuning { MaxFetchWait = settings.MaxFetchWait });
        var inflight = new List<(BusMessage Message, Task Call)>();
        var done = new Dictionary<(string, int), BusPosition>();
        var sinceCommit = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var running = inflight.Where(f => !f.Call.IsCompleted).Select(f => f.Call).ToList();
                if (running.Count >= settings.MaxBatch)
                {
                    await Task.WhenAny(running);
                    running.RemoveAll(t => t.IsCompleted);
                }
                IReadOnlyList<BusMessage> batch;
                try
                {
                    batch = await consumer.ConsumeAsync(settings.MaxBatch - running.Count, inflight.Count == 0 ? TimeSpan.FromSeconds(1) : BusyWait, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                foreach (var message in batch)
                {
                    inflight.Add((message, ProcessAsync(message, cancellationToken)));
                }
                await CollectAsync(inflight, done);
                if (done.Count > 0 && (inflight.Count == 0 || sinceCommit.Elapsed >= CommitInterval))
                {
                    if (BeforeCommit is not null)
                    {
                        await BeforeCommit();
                    }
                    await consumer.CommitAsync([.. done.Values], cancellationToken);
                    done.Clear();
                    sinceCommit.Restart();
                }
            }
        }
        finally
        {
            // Never leave calls running behind a stopped worker; their failures were (or will be) seen by the loop.
            try
            {
                await Task.WhenAll(inflight.Select(f => f.Call));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogDebug(e, "Calls in flight ended with an error while the worker stopped");
            }
        }
    }

    /// <summary>Moves each partition's finished prefix of calls from <paramref name="inflight"/> to <paramref name="done"/>.</summary>
    private static async Task CollectAsync(List<(BusMessage Message, Task Call)> inflight, Dictionary<(string, int), BusPosition> done)
    {
        var blocked = new HashSet<(string, int)>();
        for (var i = 0; i < inflight.Count;)
        {
            var (message, call) = inflight[i];
            var partition = (message.Topic, message.Partition);
            if (blocked.Contains(partition) || !call.IsCompleted)
            {
                blocked.Add(partition);
                i++;
                continue;
            }
            await call; // a failed call fails the worker: the supervisor restarts it and the call is delivered again
            done[partition] = message.Next;
            inflight.RemoveAt(i);
        }
    }

    private async Task ProcessAsync(BusMessage message, CancellationToken cancellationToken)
    {
        CallMessage call;
        try
        {
            call = CallMessage.FromJson(message.Value);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            // Not something the dispatcher produced: kept with the reason and its bytes, and the calls behind it go on.
            logger.LogError(e, "Call message at {Topic}/{Partition}@{Offset} is not a call; dead-lettered", message.Topic, message.Partition, message.Offset);
            if (deadLetters is not null)
            {
                await deadLetters.WriteAsync([new DeadLetter(null, new SourcePosition(message.Topic, message.Partition, message.Offset),
                    $"not a call message: {e.Message}", message.Key, message.Value, message.Headers, (clock ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds())], cancellationToken);
            }
            return;
        }
        await runner.RunAsync(call, claimed: false, cancellationToken);
    }
}
