using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Parameters;
using FeaturePlatform.Runtime.Triggers.Samples;

namespace FeaturePlatform.Runtime.Replay;

/// <summary>The manager's mutable record of one run; <see cref="Snapshot"/> gives the immutable view.</summary>
internal sealed class Run(string id, RegisteredJob job, RunRequest request, string? resultDirectory, DateTimeOffset createdAt) : IDisposable
{
    private readonly Lock gate = new();
    private RunState state = RunState.Pending;
    private DateTimeOffset? startedAt;
    private DateTimeOffset? endedAt;
    private string? failureReason;
    private string trigger = request.Input switch
    {
        TimeRangeInput r => $"replay [{r.From}, {r.To})",
        SampleTableInput s => $"sample {s.Options?.Name ?? Path.GetFileName(s.Path)}",
        _ => request.Input.GetType().Name,
    };
    private long? estimatedTotal;
    private RunCounters? counters;
    private SampleTableTrigger? sample;

    public string Id { get; } = id;

    public RegisteredJob Job { get; } = job;

    public string JobVersion { get; } = job.Version;

    /// <summary>The run's parameter values per event time (set when it starts).</summary>
    public ParameterPlan? Parameters { get; set; }

    public RunRequest Request { get; } = request;

    public string? ResultDirectory { get; } = resultDirectory;

    public CancellationTokenSource Cancel { get; } = new();

    /// <summary>The run's execution; never faults (failures become the Failed state).</summary>
    public Task Execution { get; set; } = Task.CompletedTask;

    public bool IsFinished
    {
        get
        {
            lock (gate)
            {
                return state is RunState.Completed or RunState.Failed or RunState.Cancelled;
            }
        }
    }

    public void Started(string description, RunCounters runCounters, long? total, SampleTableTrigger? sampleTrigger, DateTimeOffset now)
    {
        lock (gate)
        {
            trigger = description;
            counters = runCounters;
            estimatedTotal = total;
            sample = sampleTrigger;
            startedAt = now;
            state = RunState.Running;
        }
    }

    public void Counted(long total)
    {
        lock (gate)
        {
            estimatedTotal ??= total;
        }
    }

    public void Ended(RunState final, string? reason, DateTimeOffset now)
    {
        lock (gate)
        {
            SetEnded(final, reason, now);
        }
    }

    public RunStatus Snapshot(DateTimeOffset now)
    {
        lock (gate)
        {
            return SnapshotUnlocked(now);
        }
    }

    /// <summary>The status this run will have once ended as <paramref name="final"/> at <paramref name="now"/> (for its final summary file, written before the end is visible).</summary>
    public RunStatus EndedSnapshot(RunState final, string? reason, DateTimeOffset now)
    {
        lock (gate)
        {
            // What Ended would set, applied to a copy of the fields.
            var (savedState, savedReason, savedStarted, savedEnded, savedTotal) = (state, failureReason, startedAt, endedAt, estimatedTotal);
            try
            {
                SetEnded(final, reason, now);
                return SnapshotUnlocked(now);
            }
            finally
            {
                (state, failureReason, startedAt, endedAt, estimatedTotal) = (savedState, savedReason, savedStarted, savedEnded, savedTotal);
            }
        }
    }

    private RunStatus SnapshotUnlocked(DateTimeOffset now)
    {
        var done = counters?.Events ?? 0;
        var elapsed = startedAt is { } s ? ((endedAt ?? now) - s).TotalSeconds : 0;
        var rate = elapsed > 0 ? done / elapsed : 0;
        TimeSpan? eta = state == RunState.Running && estimatedTotal is { } total && rate > 0
            ? TimeSpan.FromSeconds(Math.Max(0, total - done) / rate)
            : state == RunState.Completed ? TimeSpan.Zero : null;
        var progress = new RunProgress(done, estimatedTotal, counters?.Results ?? 0, counters?.Failures ?? 0, sample?.BadRowCount ?? 0, rate, eta);
        return new RunStatus(Id, Job.Name, JobVersion, trigger, state, progress, createdAt, startedAt, endedAt, ResultDirectory, failureReason,
            sample?.BadRows ?? [], counters?.EventsByVersion ?? new Dictionary<string, long>(), Parameters?.Describe(), Request.Label,
            (Request.Input as TimeRangeInput)?.From, (Request.Input as TimeRangeInput)?.To, Request.RequestedBy);
    }

    private void SetEnded(RunState final, string? reason, DateTimeOffset now)
    {
        state = final;
        failureReason = reason;
        startedAt ??= now;
        endedAt = now;
        if (final == RunState.Completed && counters is not null)
        {
            estimatedTotal = counters.Events; // exact once every event ran
        }
    }

    public void Dispose() => Cancel.Dispose();
}
