using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Calls;

/// <summary>
/// The answers of calls, kept in the event center so that any process can answer a poll — also for calls that
/// produced no rows or failed, which leave nothing in the job's result source.
/// </summary>
/// <remarks>
/// An answer is a <see cref="EventOperation.Message"/> event of source <c>calls.&lt;job&gt;</c> (<see cref="SourceFor"/>),
/// event id = the request id, entity key and event time of the call, after-image = <see cref="CallAnswer.ToJson"/>.
/// Writes are idempotent by event id: the first stored answer of a request id stays. The result rows themselves also go
/// to <c>job.&lt;job&gt;</c> through the event-center output, where other jobs fetch them.
/// </remarks>
public sealed class CallOutcomes(IEventStore events, TimeProvider? clock = null)
{
    /// <summary>Prefix of the answer sources.</summary>
    public const string SourcePrefix = "calls.";

    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    /// <summary>The source holding a job's call answers.</summary>
    public static string SourceFor(string job) => SourcePrefix + job;

    /// <summary>Stores the answer of the call whose event is <paramref name="call"/>.</summary>
    public async ValueTask WriteAsync(ChangeEvent call, CallAnswer answer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(answer);
        var e = new ChangeEvent
        {
            Source = SourceFor(answer.Job),
            EntityKey = call.EntityKey,
            Operation = EventOperation.Message,
            EventTime = call.EventTime,
            IngestTime = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            Position = new SourcePosition(JobCaller.CallStream, 0, call.EventTime),
            EventId = answer.RequestId,
            After = answer.ToJson(),
        };
        await events.WriteAsync([e], cancellationToken);
    }

    /// <summary>The stored answer of a request, or null when there is none (yet).</summary>
    public async ValueTask<CallAnswer?> GetAsync(string job, string requestId, CancellationToken cancellationToken = default)
    {
        var stored = await events.GetByIdAsync(SourceFor(job), requestId, cancellationToken);
        return stored?.After is null ? null : CallAnswer.FromJson(stored.After);
    }
}
