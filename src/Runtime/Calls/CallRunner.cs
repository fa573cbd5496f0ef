using FeaturePlatform.Runtime.Execution;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// Runs one call exactly once across all processes: claims it in the <see cref="CallLedger"/> (an atomic conditional
/// write), runs it through <see cref="JobCaller.RunAsync"/> (the job's outputs and the event center get the results),
/// stores the answer, signals waiters in this process (<see cref="CallCompletions"/>) and publishes request–message
/// answers. The one path of both a <see cref="CallWorker"/> (calls from the bus) and <see cref="LocalCalls"/> (calls
/// accepted in this process and run here at once).
/// </summary>
/// <remarks>
/// A call whose answer is stored is not run again: the stored answer is signalled and, for request–message, published
/// again (same message id). One whose claim another runner holds waits for that runner's answer; only a claim left
/// unanswered past <see cref="CallSettings.ClaimLease"/> (its runner died) is taken over and run again — its results
/// have the same ids, so the event center and the feature store keep one copy.
/// </remarks>
/// <param name="settings">Calls settings.</param>
/// <param name="caller">Runs the job and writes its outputs.</param>
/// <param name="ledger">Claims and answers.</param>
/// <param name="completions">In-process answer signals.</param>
/// <param name="replies">Publisher of request–message answers (null: none configured).</param>
/// <param name="logger">Log.</param>
/// <param name="clock">Clock of claim expiry.</param>
public sealed class CallRunner(
    CallSettings settings,
    JobCaller caller,
    CallLedger ledger,
    CallCompletions completions,
    ICallReplyPublisher? replies,
    ILogger logger,
    TimeProvider? clock = null)
{
    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private readonly string owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private long runs;
    private long answeredFromStore;

    /// <summary>Calls whose job ran here.</summary>
    public long Runs => Interlocked.Read(ref runs);

    /// <summary>Calls answered from the stored answer (delivered again, or run by another runner) without running the job here.</summary>
    public long AnsweredFromStore => Interlocked.Read(ref answeredFromStore);

    /// <summary>The call's answer (computed here, or the claimant's), signalled to waiters here and published when asked for.</summary>
    /// <param name="call">The call.</param>
    /// <param name="claimed">The caller took the call's claim already (with its request event, see <see cref="CallLedger.ClaimWrite"/>): it runs at once.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    internal async Task<CallAnswer> RunAsync(CallMessage call, bool claimed, CancellationToken cancellationToken)
    {
        CallAnswer answer;
        completions.Started(call.Job, call.RequestId);
        try
        {
            answer = await RunOnceAsync(call, claimed, cancellationToken);
        }
        catch
        {
            completions.Abandoned(call.Job, call.RequestId);
            throw;
        }
        completions.Complete(answer);
        if (call.Reply is { } reply)
        {
            await ReplyAsync(reply, answer, cancellationToken);
        }
        return answer;
    }

    /// <summary>The call's answer: computed here if this runner wins the claim, else the claimant's (waited for).</summary>
    private async Task<CallAnswer> RunOnceAsync(CallMessage call, bool claimed, CancellationToken cancellationToken)
    {
        while (true)
        {
            var claim = claimed ? new CallClaim(ClaimState.Claimed, null, 0) : await ledger.ClaimAsync(call.Job, call.RequestId, owner, cancellationToken);
            claimed = false;
            if (claim.State == ClaimState.Claimed)
            {
                CallAnswer answer;
                try
                {
                    answer = CallAnswer.From(call.Job, await caller.RunAsync(call.Job, call.ToEvent(), cancellationToken));
                }
                catch (KeyNotFoundException e)
                {
                    answer = CallAnswer.Failure(call.RequestId, call.Job, $"{e.Message} The job is not loaded in the runtime process {Environment.MachineName}/{Environment.ProcessId}.");
                }
                await ledger.WriteAnswerAsync(answer, cancellationToken);
                Interlocked.Increment(ref runs);
                return answer;
            }
            if (claim.Answer is { } stored)
            {
                Interlocked.Increment(ref answeredFromStore);
                return stored;
            }
            // Another runner has it: its answer comes, or its claim expires (it died) and this runner takes over.
            var interval = TimeSpan.FromMilliseconds(1);
            while (clock.GetUtcNow().ToUnixTimeMilliseconds() < claim.HeldUntil)
            {
                await Task.Delay(interval, clock, cancellationToken);
                if (await ledger.GetAsync(call.Job, call.RequestId, cancellationToken) is { } answered)
                {
                    Interlocked.Increment(ref answeredFromStore);
                    return answered;
                }
                interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, settings.MaxPollInterval.Ticks));
            }
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
