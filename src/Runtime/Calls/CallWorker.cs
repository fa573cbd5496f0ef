using System.Text.Json;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.Runtime.Execution;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// One member of the call workers' consumer group: takes calls from the calls topic, runs each through
/// <see cref="JobCaller.RunAsync"/> (the job's outputs and the event center get the results), stores the answer in
/// <see cref="CallOutcomes"/>, signals waiters in this process, publishes request–message answers, and only then
/// commits the batch's offsets (at-least-once).
/// </summary>
/// <remarks>
/// A call delivered again (the worker died before its commit) whose answer is already stored is not run again: the
/// stored answer is signalled and, for request–message, published again (same message id). A call that died between
/// writing its results and storing its answer runs again; its results have the same ids, so the event center and the
/// feature store keep one copy. Calls of a batch run concurrently.
/// </remarks>
public sealed class CallWorker(
    IMessageBus bus,
    CallSettings settings,
    JobCaller caller,
    CallOutcomes outcomes,
    CallCompletions completions,
    CallReplyPublisher? replies,
    ILogger logger)
{
    private long runs;
    private long answeredFromStore;

    /// <summary>Calls whose job ran here.</summary>
    public long Runs => Interlocked.Read(ref runs);

    /// <summary>Re-delivered calls answered from the stored answer without running the job again.</summary>
    public long AnsweredFromStore => Interlocked.Read(ref answeredFromStore);

    /// <summary>Test hook: runs after a batch is answered, before its offsets are committed (a crash there re-delivers it).</summary>
    internal Func<IReadOnlyList<BusMessage>, Task>? BeforeCommit { get; init; }

    /// <summary>Consumes calls until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var consumer = bus.CreateConsumer(settings.GroupId, [settings.Topic], new BusLatencyTuning { MaxFetchWait = settings.MaxFetchWait });
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<BusMessage> batch;
            try
            {
                batch = await consumer.ConsumeAsync(settings.MaxBatch, TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            if (batch.Count == 0)
            {
                continue;
            }
            var calls = new Task[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                calls[i] = ProcessAsync(batch[i], cancellationToken);
            }
            await Task.WhenAll(calls);
            if (BeforeCommit is not null)
            {
                await BeforeCommit(batch);
            }
            var positions = batch.GroupBy(m => (m.Topic, m.Partition)).Select(g => g.MaxBy(m => m.Offset)!.Next).ToList();
            await consumer.CommitAsync(positions, cancellationToken);
        }
    }

    private async Task ProcessAsync(BusMessage message, CancellationToken cancellationToken)
    {
        CallMessage call;
        try
        {
            call = CallMessage.FromJson(message.Value);
        }
        catch (JsonException e)
        {
            logger.LogError(e, "Call message at {Topic}/{Partition}@{Offset} is not a call; skipped", message.Topic, message.Partition, message.Offset);
            return;
        }
        var answer = await outcomes.GetAsync(call.Job, call.RequestId, cancellationToken);
        if (answer is null)
        {
            var stored = call.ToEvent();
            try
            {
                answer = CallAnswer.From(call.Job, await caller.RunAsync(call.Job, stored, cancellationToken));
            }
            catch (KeyNotFoundException e)
            {
                answer = CallAnswer.Failure(call.RequestId, call.Job, $"{e.Message} The job is not loaded in the runtime process {Environment.MachineName}/{Environment.ProcessId}.");
            }
            await outcomes.WriteAsync(stored, answer, cancellationToken);
            Interlocked.Increment(ref runs);
        }
        else
        {
            Interlocked.Increment(ref answeredFromStore);
        }
        completions.Complete(answer);
        if (call.Reply is { } reply)
        {
            await ReplyAsync(reply, answer, cancellationToken);
        }
    }

    private async Task ReplyAsync(CallReplyTarget reply, CallAnswer answer, CancellationToken cancellationToken)
    {
        if (replies is null)
        {
            logger.LogError("Request {RequestId} asks for an answer on RabbitMQ, but this process has no RabbitMQ for answers (Runtime:Calls:ReplyRabbitMqUri); it can only be polled", answer.RequestId);
            return;
        }
        try
        {
            await replies.PublishAsync(reply, answer, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            // A missing exchange will not appear by retrying; the answer stays pollable.
            logger.LogError(e, "The answer of request {RequestId} could not be published; it can only be polled", answer.RequestId);
        }
    }
}
