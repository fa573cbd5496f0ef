using System.Text;
using System.Text.Json;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Ingestion;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Execution;

/// <summary>
/// Call mode: a request becomes a message event of the job's own request source
/// (<see cref="PyBridge.Jobs.JobDeclaration.RequestSource"/>, <c>calls.&lt;job&gt;</c> unless declared) — never of a
/// trigger source or any other source, so calls never change what other logic reads. It is stored in the event center
/// first (the logic's history of the request source includes it), then runs through the same run loop
/// (<see cref="JobRunner.RunBatchWithErrorsAsync"/>) and its results go to the job's outputs and back to the caller.
/// </summary>
/// <remarks>
/// The request's time passes the same checks as every ingested event (<see cref="EventTimeLimits"/>). The request id is
/// the event id, so a retried request (same id, key and data) is stored once and computes the same result again — also
/// when its time defaulted to "now" on the first try: the stored event is reused. A request id already held by a
/// different event is refused.
/// </remarks>
public sealed class JobCaller(
    JobRegistry jobs,
    IEventStore events,
    IFeatureDataSource dataSource,
    JobErrorLog errors,
    Func<RegisteredJob, IReadOnlyList<IJobOutput>>? outputsFor = null,
    ILogger? logger = null,
    TimeProvider? clock = null,
    RuntimeMetrics? metrics = null,
    EventTimeLimits? timeLimits = null,
    Func<string, bool>? isBusSource = null,
    Quarantine.EventQuarantine? quarantine = null)
{
    /// <summary>Name of the stream in the positions of call events.</summary>
    public const string CallStream = "call";

    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private readonly ILogger logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private readonly EventTimeLimits timeLimits = timeLimits ?? new EventTimeLimits(new IngestOptions().MaxEventTimeAhead);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (RegisteredJob Job, JobRunner Runner)> runners = new(StringComparer.Ordinal);

    /// <summary>Stores the request's event, runs the job on it, writes and returns the results.</summary>
    /// <exception cref="KeyNotFoundException">No job has that name.</exception>
    /// <exception cref="CallRequestException">A field of the request is wrong (the exception names it).</exception>
    /// <exception cref="InvalidOperationException">The request id is already held by a different event.</exception>
    public async Task<CallResult> CallAsync(CallRequest request, CancellationToken cancellationToken = default)
    {
        var stored = await StoreAsync(request, cancellationToken);
        return await RunAsync(request.Job, stored.Event, cancellationToken);
    }

    /// <summary>
    /// Validates the request and stores its event in the event center (the first half of a call: the request becomes
    /// an event); returns the event as stored — for a retried request, the one stored first — and whether it was.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No job has that name.</exception>
    /// <exception cref="CallRequestException">A field of the request is wrong (the exception names it): a source other
    /// than the job's request source, data that is not a JSON object, a time outside the limits of ingested events.</exception>
    /// <exception cref="InvalidOperationException">The request id is already held by a different event, or the job's
    /// request source is a registered bus source.</exception>
    public Task<StoredCall> StoreAsync(CallRequest request, CancellationToken cancellationToken = default) => StoreAsync(request, null, cancellationToken);

    /// <summary>
    /// <see cref="StoreAsync(CallRequest, CancellationToken)"/>, and when the request is newly stored, <paramref name="hotGuard"/>
    /// (a call's claim) applied in the same hot-store transaction as the request's event where the event store can
    /// (<see cref="IHotGuardedWriter"/>); <see cref="StoredCall.GuardApplied"/> says whether it was.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No job has that name.</exception>
    /// <exception cref="CallRequestException">A field of the request is wrong (the exception names it).</exception>
    /// <exception cref="InvalidOperationException">The request id is already held by a different event, or the job's
    /// request source is a registered bus source.</exception>
    public async Task<StoredCall> StoreAsync(CallRequest request, HotGuard? hotGuard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.RequestId);
        ArgumentException.ThrowIfNullOrEmpty(request.Key);
        var job = jobs.Find(request.Job) ?? throw new KeyNotFoundException($"No job named '{request.Job}'.");
        if (job.Retired)
        {
            throw new CallRequestException("job", $"Job '{job.Name}' is retired: it takes no calls until a version of it is promoted again (POST /api/registry/jobs/{job.Name}/promote).");
        }
        var source = job.Declaration.RequestSource;
        if (request.Source is { } named && named != source)
        {
            throw new CallRequestException("source", $"Calls of job '{job.Name}' are events of its request source '{source}', never of '{named}'; leave source out.");
        }
        if (isBusSource?.Invoke(source) == true)
        {
            throw new InvalidOperationException($"Job '{job.Name}' declares request source '{source}', which is a registered source read from the bus; calls need a source of their own (@job(requests=...)).");
        }
        var data = ValidateData(request.DataJson);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (request.TimeMs is { } requested && timeLimits.Check(requested, now, "the server's clock") is { } problem)
        {
            throw new CallRequestException("time", $"time {problem}; send the event time in ms since 1970-01-01 UTC, at most {timeLimits.MaxAhead} ahead of now (EventCenter:Ingest:MaxEventTimeAhead), or leave time out for now.");
        }
        if (request.TimeMs is { } given && TimeRangeCheck.SecondsProblem("time", given) is { } seconds)
        {
            throw new CallRequestException("time", seconds);
        }
        var time = request.TimeMs ?? now;
        var e = new ChangeEvent
        {
            Source = source,
            EntityKey = request.Key,
            Operation = EventOperation.Message,
            EventTime = time,
            IngestTime = now,
            Position = new SourcePosition(CallStream, 0, time),
            EventId = request.RequestId,
            After = data,
        };
        var guardApplied = false;
        WriteOutcome outcome;
        if (hotGuard is not null && events is IHotGuardedWriter guarded)
        {
            (var result, guardApplied) = await guarded.WriteWithHotGuardAsync(e, hotGuard, cancellationToken);
            outcome = result.Outcome;
        }
        else
        {
            outcome = (await events.WriteAsync([e], cancellationToken))[0].Outcome;
        }
        if (outcome != WriteOutcome.Written)
        {
            var stored = await events.GetByIdAsync(source, request.RequestId, cancellationToken);
            // An id held by an event that cannot be read back is never the same request.
            if ((stored is null ? "key, data or time" : Difference(stored, e, request.TimeMs)) is { } differs)
            {
                throw new InvalidOperationException($"Request id '{request.RequestId}' of job '{job.Name}' is already used by a different request: its {differs} differs; send the request as first sent, or use a new request id.");
            }
            return new StoredCall(stored!, Repeated: true); // the same request, retried: compute on the event as first stored
        }
        return new StoredCall(e, Repeated: false) { GuardApplied = guardApplied };
    }

    /// <summary>
    /// Runs <paramref name="job"/> on a call's stored event (see <see cref="StoreAsync(CallRequest, CancellationToken)"/>) through the run loop, writes
    /// the results to the job's outputs and returns them.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No job has that name (in this process).</exception>
    public async Task<CallResult> RunAsync(string job, ChangeEvent stored, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var registered = jobs.Find(job) ?? throw new KeyNotFoundException($"No job named '{job}'.");
        var runner = RunnerOf(registered);
        var batch = await runner.RunBatchWithErrorsAsync([stored], cancellationToken);
        // Latency from the request's arrival (its event's store time) to its answer, queueing included.
        metrics?.RecordCall(job, TimeSpan.FromMilliseconds(Math.Max(0, this.clock.GetUtcNow().ToUnixTimeMilliseconds() - stored.IngestTime)));
        var version = batch.Results.Count > 0 ? batch.Results[0].JobVersion : batch.Errors.Count > 0 ? batch.Errors[0].JobVersion : registered.Version;
        return new CallResult(stored, version, batch.Results, batch.Errors.Count == 0 ? null : batch.Errors[0]);
    }

    /// <summary>One runner per loaded job (a reload registers a new job object and so gets a new runner).</summary>
    private JobRunner RunnerOf(RegisteredJob registered)
    {
        if (runners.TryGetValue(registered.Name, out var known) && ReferenceEquals(known.Job, registered))
        {
            return known.Runner;
        }
        var runner = new JobRunner(registered, dataSource, outputsFor?.Invoke(registered) ?? [], errors, logger, this.clock, metrics, RunMode.Call, quarantine: quarantine);
        runners[registered.Name] = (registered, runner);
        return runner;
    }

    /// <summary>The data as UTF-8, checked to be one JSON object (read through once, no document built).</summary>
    private static byte[] ValidateData(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return "{}"u8.ToArray();
        }
        var utf8 = Encoding.UTF8.GetBytes(json);
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new CallRequestException("data", "data must be a JSON object (or left out).");
            }
            reader.Skip();
            if (reader.Read())
            {
                throw new JsonException("more after the object.");
            }
        }
        catch (JsonException ex)
        {
            throw new CallRequestException("data", $"data is not valid JSON: {ex.Message}");
        }
        return utf8;
    }

    /// <summary>
    /// What makes <paramref name="retry"/> another request than the one <paramref name="stored"/> under its id, or null.
    /// Data is compared as JSON, as the event store compares images: a client that writes the same object with other
    /// spacing or member order retries the same request.
    /// </summary>
    private static string? Difference(ChangeEvent stored, ChangeEvent retry, long? requestedTime) =>
        stored.EntityKey != retry.EntityKey ? "key"
        : !ChangeIdentity.SameChange(stored, retry) ? "data"
        : requestedTime is { } t && stored.EventTime != t ? "time"
        : null;
}

/// <summary>A request field that is wrong; <see cref="Field"/> names it and the message says how to fix it (a 400).</summary>
public sealed class CallRequestException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public CallRequestException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CallRequestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public CallRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="field"/>.</summary>
    public CallRequestException(string field, string message)
        : base(message) => Field = field;

    /// <summary>The request field that is wrong (e.g. <c>time</c>).</summary>
    public string Field { get; } = "";
}

/// <summary>A call of a job.</summary>
/// <param name="Job">The job's name.</param>
/// <param name="Source">The source the caller names for the request (null: the job's request source, the only one allowed).</param>
/// <param name="Key">The entity key.</param>
/// <param name="DataJson">The event's data, a JSON object (null or blank: empty).</param>
/// <param name="TimeMs">Event time, ms since the Unix epoch; null: now.</param>
/// <param name="RequestId">The caller's request id: the event id, and the key for polling the result.</param>
public sealed record CallRequest(string Job, string? Source, string Key, string? DataJson, long? TimeMs, string RequestId);

/// <summary>A call's event as stored in the event center.</summary>
/// <param name="Event">The event (for a repeated request: as stored the first time).</param>
/// <param name="Repeated">Whether the request id was stored before (a retry of the same request).</param>
public sealed record StoredCall(ChangeEvent Event, bool Repeated)
{
    /// <summary>Whether the hot guard given to <see cref="JobCaller.StoreAsync(CallRequest, HotGuard?, CancellationToken)"/> (a claim) was applied with the event.</summary>
    public bool GuardApplied { get; init; }
}

/// <summary>What a call computed.</summary>
/// <param name="Event">The event the job ran on (as stored in the event center).</param>
/// <param name="JobVersion">The job version that ran.</param>
/// <param name="Results">The result rows (none when the logic failed or returned nothing).</param>
/// <param name="Error">The error record when the logic failed, else null.</param>
public sealed record CallResult(ChangeEvent Event, string JobVersion, IReadOnlyList<FeatureResult> Results, JobError? Error);
