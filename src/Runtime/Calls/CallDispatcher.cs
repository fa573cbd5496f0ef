using System.Diagnostics;
using System.Text;
using FeaturePlatform.EventCenter.Bus;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// The accepting side of calls: a request becomes an event of the job's request source (stored in the event center), the
/// call goes to the calls topic, and the caller waits for the answer — signalled at once when this process's worker
/// computed it, else found by polling the <see cref="CallLedger"/> with a short, growing interval (not while this
/// process's worker is running the call: its answer comes through <see cref="CallCompletions"/>). When call workers
/// run in this process (<see cref="LocalCalls"/>), a request–poll call that waits runs here at once instead, and goes
/// to the calls topic only if it is not answered within its wait (before the 202) or its local run failed.
/// </summary>
/// <param name="bus">The bus carrying the calls topic.</param>
/// <param name="settings">Calls settings.</param>
/// <param name="caller">The job caller (validates and stores requests).</param>
/// <param name="findJob">Looks up a loaded job by name.</param>
/// <param name="events">The event center (request events).</param>
/// <param name="ledger">The claims and answers of calls.</param>
/// <param name="completions">In-process answer signals.</param>
/// <param name="repliesConfigured">Whether request–message answers can be published (a RabbitMQ broker is configured).</param>
/// <param name="local">Runs request–poll calls in this process at once when call workers run here (null: every call goes through the calls topic).</param>
/// <param name="replies">Checks that a request–message call's reply exchange exists before the call is accepted (null: no check).</param>
public sealed class CallDispatcher(
    IMessageBus bus,
    CallSettings settings,
    Func<JobCaller> caller,
    Func<string, RegisteredJob?> findJob,
    IEventReader events,
    CallLedger ledger,
    CallCompletions completions,
    bool repliesConfigured,
    LocalCalls? local = null,
    ICallReplyPublisher? replies = null) : IAsyncDisposable
{
    private readonly Lock producerLock = new();
    private IBusProducer? producer;
    private Task? topicReady;

    /// <summary>Whether request–message calls are possible here.</summary>
    public bool RepliesConfigured => repliesConfigured;

    /// <summary>Creates the calls topic if it does not exist (once per process; retried after a failure).</summary>
    public Task EnsureTopicAsync(CancellationToken cancellationToken = default)
    {
        var ready = topicReady;
        if (ready is null || ready.IsFaulted || ready.IsCanceled)
        {
            ready = bus.CreateTopicAsync(settings.Topic, settings.Partitions, CancellationToken.None).AsTask();
            topicReady = ready;
        }
        return ready.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Stores the request's event, produces the call (completes only after the bus confirmed it) and, unless the
    /// answer goes to <paramref name="reply"/>, waits up to <paramref name="wait"/> for the answer.
    /// </summary>
    /// <returns>The answer, or null when it is not ready within the wait (or goes to <paramref name="reply"/>).</returns>
    /// <exception cref="KeyNotFoundException">No job has that name.</exception>
    /// <exception cref="CallRequestException">A field of the request is wrong (named by the exception), e.g. a reply exchange that does not exist.</exception>
    /// <exception cref="ArgumentException">The reply target is malformed or no RabbitMQ is configured for answers.</exception>
    /// <exception cref="InvalidOperationException">The request id is already held by a different event.</exception>
    /// <exception cref="CallsUnavailableException">The bus did not take the call.</exception>
    public async Task<CallAnswer?> CallAsync(CallRequest request, CallReplyTarget? reply, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (reply is not null)
        {
            reply.Validate();
            if (!repliesConfigured)
            {
                throw new ArgumentException("This platform has no RabbitMQ broker for answers (Runtime:Calls:ReplyRabbitMqUri or EventCenter:RabbitMqUri); request–message calls are not possible.");
            }
            // An answer to a missing exchange would only be an error in the log later. A broker that cannot tell now
            // (unreachable) rejects nothing: the answer is published when it is back (within the publisher's retry
            // timeout) and can be polled anyway.
            if (replies is not null && await replies.ExchangeExistsAsync(reply.Exchange, cancellationToken) is false)
            {
                throw new CallRequestException("reply.exchange",
                    $"reply.exchange: the answers' RabbitMQ broker has no exchange '{reply.Exchange}'; declare it (and bind a queue for routing key '{reply.RoutingKey}') before calling, or give an existing exchange (\"\" is the default exchange, which routes by queue name).");
            }
        }
        // A call that will run here takes its claim in the transaction that stores its request event in the hot store
        // (one commit fewer on its way; a retry or a call someone else claimed meanwhile claims as usual).
        HotGuard? claim = null;
        if (reply is null && wait > TimeSpan.Zero && local is { Available: true })
        {
            await ledger.EnsureTableAsync(cancellationToken);
            claim = ledger.ClaimWrite(request.Job, request.RequestId, local.Owner);
        }
        var stored = await caller().StoreAsync(request, claim, cancellationToken);
        if (stored.Repeated && reply is null && await ledger.GetAsync(request.Job, request.RequestId, cancellationToken) is { } known)
        {
            return known; // a retry of an answered request
        }
        var signal = completions.Register(request.Job, request.RequestId);
        try
        {
            var message = CallMessage.From(request.Job, stored.Event, reply);
            var clock = Stopwatch.StartNew();
            Task<CallAnswer>? run = null;
            var started = reply is null && wait > TimeSpan.Zero && local is not null && local.TryStart(message, stored.GuardApplied, out run);
            if (!started && stored.GuardApplied)
            {
                // Claimed, but the call workers stopped meanwhile: the claim goes, so whoever takes the call runs it at once.
                await ledger.ReleaseAsync(claim!, cancellationToken);
            }
            if (started && run is not null)
            {
                if (await AnsweredWithinAsync(run, wait, cancellationToken) is { } answer)
                {
                    return answer; // computed here and stored in the ledger: the bus is not needed
                }
                // Not answered within the wait (or the local run failed): on the bus before the 202, so the call is durable
                // there; a worker that takes it finds the local claim and waits for its answer (or its lease to run out).
                await ProduceAsync(request.RequestId, message, cancellationToken);
                return run.IsCompletedSuccessfully ? run.Result
                    : run.IsCompleted && wait > clock.Elapsed ? await WaitAsync(request.Job, request.RequestId, signal, wait - clock.Elapsed, cancellationToken)
                    : null;
            }
            await ProduceAsync(request.RequestId, message, cancellationToken);
            return reply is null && wait > TimeSpan.Zero ? await WaitAsync(request.Job, request.RequestId, signal, wait, cancellationToken) : null;
        }
        finally
        {
            completions.Forget(request.Job, request.RequestId, signal);
        }
    }

    /// <summary>The local run's answer if it succeeds within <paramref name="wait"/>, else null (it goes on running).</summary>
    private static async Task<CallAnswer?> AnsweredWithinAsync(Task<CallAnswer> run, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (!run.IsCompleted)
        {
            // One timer and no linked token source per call: the run ending (answered or failed), the wait running out and
            // the caller going away all end this await without throwing; which one it was is read below.
            await ((Task)run).WaitAsync(wait, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
        }
        return run.IsCompletedSuccessfully ? run.Result : null;
    }

    /// <summary>Puts the call on the calls topic; completes once the bus confirmed it.</summary>
    private async Task ProduceAsync(string requestId, CallMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await EnsureTopicAsync(cancellationToken);
            await Producer().ProduceAsync(settings.Topic, [new OutgoingMessage(Encoding.UTF8.GetBytes(requestId), message.ToJson())], cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new CallsUnavailableException($"The call could not be put on the bus (topic '{settings.Topic}'): {e.Message}", e);
        }
    }

    /// <summary>The state of a request as any process sees it.</summary>
    public async Task<(CallAnswer? Answer, bool Known)> PollAsync(string job, string requestId, CancellationToken cancellationToken = default)
    {
        if (await ledger.GetAsync(job, requestId, cancellationToken) is { } answer)
        {
            return (answer, true);
        }
        // Accepted but not answered yet: its event is stored in the job's request source.
        var known = findJob(job) is { } registered && await events.GetByIdAsync(registered.Declaration.RequestSource, requestId, cancellationToken) is not null;
        return (null, known);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        IBusProducer? p;
        lock (producerLock)
        {
            p = producer;
            producer = null;
        }
        if (p is not null)
        {
            await p.DisposeAsync();
        }
    }

    private IBusProducer Producer()
    {
        lock (producerLock)
        {
            return producer ??= bus.CreateProducer(new BusLatencyTuning { Linger = TimeSpan.Zero });
        }
    }

    private async Task<CallAnswer?> WaitAsync(string job, string requestId, Task<CallAnswer> local, TimeSpan wait, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            var remaining = wait - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                return await ledger.GetAsync(job, requestId, cancellationToken);
            }
            using (var pause = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var delay = Task.Delay(remaining < interval ? remaining : interval, pause.Token);
                if (await Task.WhenAny(local, delay) == local)
                {
                    await pause.CancelAsync();
                    return await local;
                }
            }
            cancellationToken.ThrowIfCancellationRequested();
            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, settings.MaxPollInterval.Ticks));
            // This process's worker runs it: its answer is signalled here, the ledger has nothing sooner.
            if (completions.RunningHere(job, requestId))
            {
                interval = settings.MaxPollInterval;
                continue;
            }
            // Computed by another process's worker: its answer is in the event center.
            if (await ledger.GetAsync(job, requestId, cancellationToken) is { } answer)
            {
                return answer;
            }
        }
    }
}
