using System.Globalization;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Execution;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Outputs;

/// <summary>
/// Results back into the event center as change events of a derived source, so other jobs can fetch them and the API
/// can poll a call's result by its request id.
/// </summary>
/// <remarks>
/// <para>Each result becomes a <see cref="EventOperation.Message"/> event:</para>
/// <list type="bullet">
/// <item>source <c>job.&lt;job name&gt;</c> (<see cref="SourceFor"/>); entity key = the trigger's key;</item>
/// <item>event id <c>&lt;trigger event id&gt;#&lt;row index&gt;</c> (<see cref="EventIdFor"/>): a call's request id is its
/// trigger event id, so its first row is at <c>&lt;request id&gt;#0</c> (<see cref="GetResultAsync"/>);</item>
/// <item>event time = the trigger's event time; position = the trigger's position (deterministic, so a re-written
/// result is a duplicate, not a conflict); ingest time = when written;</item>
/// <item>after-image = the values object <c>{"column": value, …}</c>;</item>
/// <item>headers <c>fp-request-id</c> (= trigger event id), <c>fp-trigger-source</c>, <c>fp-result-id</c>,
/// <c>fp-job-version</c>.</item>
/// </list>
/// <para>
/// Writes are idempotent by event id, so re-writing a batch is harmless. The id assumes a job's trigger event ids are
/// unique across its trigger sources (true for request ids and for position-derived ids of different topics); a
/// clash is a <see cref="WriteOutcome.Conflict"/>: the first result stays, the clash is counted in
/// <see cref="Conflicts"/> and logged.
/// </para>
/// <para>
/// To let other jobs fetch with a consistency wait, the derived source must be known to the fetcher's source registry,
/// and its watermark is not advanced by this output (fetch it with no wait, or as of event time in replays).
/// </para>
/// </remarks>
public sealed class EventCenterOutput(IEventWriter writer, ILogger? logger = null, TimeProvider? clock = null) : IJobOutput
{
    /// <summary>Prefix of derived source names.</summary>
    public const string SourcePrefix = "job.";

    /// <summary>Header with the trigger's event id (a call's request id).</summary>
    public const string RequestIdHeader = "fp-request-id";

    /// <summary>Header with the trigger's source.</summary>
    public const string TriggerSourceHeader = "fp-trigger-source";

    /// <summary>Header with <see cref="FeatureResult.ResultId"/>.</summary>
    public const string ResultIdHeader = "fp-result-id";

    /// <summary>Header with the job version.</summary>
    public const string JobVersionHeader = "fp-job-version";

    /// <summary>Header with the model versions the logic ran with (JSON object name → version), for jobs that declare models.</summary>
    public const string ModelsHeader = "fp-models";

    /// <summary>Header <c>fp-correction: true</c> on a revision that replaces an earlier result of the same row.</summary>
    public const string CorrectionHeader = "fp-correction";

    private readonly ILogger logger = logger ?? NullLogger.Instance;
    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private long conflicts;

    /// <inheritdoc />
    public string Name => "event-center";

    /// <summary>Results dropped because another event held their id (see remarks).</summary>
    public long Conflicts => Interlocked.Read(ref conflicts);

    /// <summary>The derived source of a job's results: <c>job.&lt;job&gt;</c>.</summary>
    public static string SourceFor(string job) => SourcePrefix + job;

    /// <summary>The event id of a result row: <c>&lt;trigger event id&gt;#&lt;row&gt;</c>.</summary>
    public static string EventIdFor(string triggerEventId, int rowIndex) =>
        triggerEventId + "#" + rowIndex.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The result row <paramref name="rowIndex"/> that <paramref name="job"/> computed for the trigger event (or call)
    /// <paramref name="requestId"/>, or null when it is not (yet) there.
    /// </summary>
    public static ValueTask<ChangeEvent?> GetResultAsync(IEventReader reader, string job, string requestId, int rowIndex = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.GetByIdAsync(SourceFor(job), EventIdFor(requestId, rowIndex), cancellationToken);
    }

    /// <summary>The event a result becomes.</summary>
    public ChangeEvent ToEvent(FeatureResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var trigger = result.Trigger;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [RequestIdHeader] = trigger.EventId,
            [TriggerSourceHeader] = trigger.Source,
            [ResultIdHeader] = result.ResultId,
            [JobVersionHeader] = result.JobVersion,
        };
        if (result.Correction)
        {
            headers[CorrectionHeader] = "true";
        }
        if (result.Models.Count > 0)
        {
            headers[ModelsHeader] = System.Text.Json.JsonSerializer.Serialize(result.Models);
        }
        return new ChangeEvent
        {
            Source = SourceFor(result.Job),
            EntityKey = result.Key,
            Operation = EventOperation.Message,
            EventTime = trigger.EventTime,
            IngestTime = now,
            Position = trigger.Position,
            // A correction is a new revision of the row: its own event (id …~revision), the same entity and time.
            EventId = result.Correction ? $"{EventIdFor(trigger.EventId, result.RowIndex)}~{now}" : EventIdFor(trigger.EventId, result.RowIndex),
            After = ResultJson.SerializeValues(result),
            Headers = headers,
        };
    }

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            return;
        }
        var events = new ChangeEvent[results.Count];
        for (var i = 0; i < results.Count; i++)
        {
            events[i] = ToEvent(results[i]);
        }
        var outcomes = await writer.WriteAsync(events, cancellationToken);
        for (var i = 0; i < outcomes.Count; i++)
        {
            if (outcomes[i].Outcome == WriteOutcome.Conflict)
            {
                Interlocked.Increment(ref conflicts);
                logger.LogWarning("Result {ResultId} not stored in the event center: event id {EventId} of {Source} is held by another event.",
                    results[i].ResultId, events[i].EventId, events[i].Source);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
