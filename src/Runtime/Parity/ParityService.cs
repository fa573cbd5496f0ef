using System.Collections.Concurrent;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.EventCenter.Ingestion.Sources;
using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Repair;
using FeaturePlatform.Runtime.Replay;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Parity;

/// <summary>
/// Parity checks (SEMANTICS.md §4) and correction runs: a replay of a job over a range, run by the same
/// <see cref="RunManager"/> as backtests (merged trigger sources, the parameter values in force at each event's time),
/// whose output compares every computation with the result log's latest revision (<see cref="ParityComparer"/>). A
/// correction run is the same check that also rewrites the outputs that differ. The service owns each check's task.
/// </summary>
public sealed class ParityService(
    RuntimeStartup startup,
    RunManagerFactory runs,
    ResultLog results,
    IEventReader events,
    SourceRegistry sources,
    OutputFactory outputFactory,
    RuntimeSettings settings,
    ParityMetrics metrics,
    TimeProvider clock,
    EventCenter.Hosting.EventCenterSettings eventCenter,
    ILogger<ParityService> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ParityRun> checks = new(StringComparer.Ordinal);
    private readonly ParityReports reports = new(Path.Combine(eventCenter.DataDirectory, "parity"), logger);
    private ConcurrentDictionary<string, ParityStatus>? ended;
    private readonly CancellationTokenSource disposing = new();
    private readonly Lock gate = new();
    private RunManager? manager;
    private bool disposed;

    /// <summary>Differences listed per report (the counts cover all).</summary>
    public int MaxDifferences => settings.Correction.MaxListedDifferences;

    /// <summary>Whether the runtime has started (checks can run).</summary>
    public bool Available => startup.Ready.IsCompletedSuccessfully;

    /// <summary>Starts a check (or correction run); returns its id.</summary>
    /// <exception cref="InvalidOperationException">The runtime has not started.</exception>
    /// <exception cref="KeyNotFoundException">No job has that name.</exception>
    /// <exception cref="ArgumentException">The range is empty or the job has no trigger source.</exception>
    public async Task<string> StartAsync(ParityRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Available)
        {
            throw new InvalidOperationException("The runtime has not started.");
        }
        // A candidate version needs no loaded job of its name: a job not live anywhere yet is compared with nothing.
        RegisteredJob job;
        if (request.Version is { } version)
        {
            if (request.Correct)
            {
                throw new ArgumentException("A correction run rewrites live outputs with the live version; it cannot replay a candidate version.", nameof(request));
            }
            job = startup.Registry.Candidate(version);
        }
        else
        {
            job = startup.Registry.Find(request.Job) ?? throw new KeyNotFoundException($"No job named '{request.Job}'.");
        }
        var triggers = job.Declaration.Triggers.Select(t => t.Source).Distinct(StringComparer.Ordinal).ToList();
        if (triggers.Count == 0)
        {
            throw new ArgumentException($"Job '{job.Name}' declares no trigger source: it runs on calls only and live produced nothing to compare.", nameof(request));
        }
        var check = new ParityRun(request, job, triggers, new ParityTally(MaxDifferences, request.Shifts ? new FeatureShiftTally() : null), clock.GetUtcNow());
        var run = Manager();
        var id = await run.StartAsync(new RunRequest
        {
            Job = job.Name,
            Version = request.Version,
            RequestedBy = request.RequestedBy,
            Input = new TimeRangeInput(request.From, request.To),
            Outputs = context =>
            {
                var comparer = new ParityComparer(context.Job, results, events, [.. sources.All.Select(s => s.Name)], context.Parameters!);
                var live = request.Correct ? outputFactory.CreateFor(job, settings.For(job.Name)) : null;
                check.Output = new ParityOutput(comparer, check.Tally, results, live);
                return [check.Output];
            },
        }, cancellationToken);
        check.Id = id;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            check.Execution = FollowAsync(check, run);
            checks[id] = check;
        }
        return id;
    }

    /// <summary>The check's state and report, or null when unknown.</summary>
    public ParityStatus? Get(string id) => checks.TryGetValue(id, out var check) ? check.Status(manager?.Get(id)) : Ended.GetValueOrDefault(id);

    /// <summary>Every known check, newest first.</summary>
    public IReadOnlyList<ParityStatus> List() =>
        [.. checks.Values.Select(c => c.Status(manager?.Get(c.Id))).Concat(Ended.Values.Where(s => !checks.ContainsKey(s.Id))).OrderByDescending(s => s.CreatedAt)];

    /// <summary>Checks that ended before this host started (read from disk on first use).</summary>
    private ConcurrentDictionary<string, ParityStatus> Ended =>
        LazyInitializer.EnsureInitialized(ref ended, () => new(reports.Load().Select(s => KeyValuePair.Create(s.Id, s)), StringComparer.Ordinal));

    /// <summary>Waits until the check has ended; returns its final state and report (null when unknown).</summary>
    public async Task<ParityStatus?> WaitAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!checks.TryGetValue(id, out var check))
        {
            return null;
        }
        await check.Execution.WaitAsync(cancellationToken);
        return Get(id);
    }

    /// <summary>Cancels unfinished checks and awaits all.</summary>
    public async ValueTask DisposeAsync()
    {
        RunManager? toDispose;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }
            disposed = true;
            toDispose = manager;
        }
        await disposing.CancelAsync();
        if (toDispose is not null)
        {
            await toDispose.DisposeAsync();
        }
        await Task.WhenAll(checks.Values.Select(c => c.Execution));
        disposing.Dispose();
    }

    private RunManager Manager()
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return manager ??= runs.Create(startup.Registry, new RunManagerOptions());
        }
    }

    /// <summary>Waits for the replay, compares the events that produced no row, records the end; never throws.</summary>
    private async Task FollowAsync(ParityRun check, RunManager run)
    {
        var state = RunState.Failed;
        string? reason = null;
        try
        {
            var status = await run.WaitAsync(check.Id, disposing.Token);
            (state, reason) = (status!.State, status.FailureReason);
            if (state == RunState.Completed && check.Output is { } output)
            {
                await output.FinishAsync(events, check.Sources, check.Request.From, check.Request.To, disposing.Token);
            }
        }
        catch (OperationCanceledException) when (disposing.IsCancellationRequested)
        {
            (state, reason) = (RunState.Cancelled, "the host stopped");
        }
        catch (Exception e)
        {
            (state, reason) = (RunState.Failed, $"{e.GetType().Name}: {e.Message}");
            logger.LogError(e, "Parity check {Id} of job {Job} failed", check.Id, check.Job.Name);
        }
        var counts = check.Tally.Counts();
        check.Ended(state, reason, clock.GetUtcNow());
        if (state != RunState.Cancelled || !disposing.IsCancellationRequested)
        {
            // Ended for good (not stopped with the host): its report and lineage stay listed after a restart.
            reports.Save(check.Status(manager?.Get(check.Id)));
        }
        metrics.Ended(check.Job.Name, check.Request.Correct, state.ToString(), counts);
        logger.LogInformation("Parity {Kind} {Id} of job {Job} over [{From}, {To}) {State}: {Equal} equal, {Differing} differing, {LiveMissing} live missing, {ReplayMissing} replay missing, {Corrected} corrected",
            check.Request.Correct ? "correction" : "check", check.Id, check.Job.Name, check.Request.From, check.Request.To, state, counts.Equal, counts.Differing,
            counts.LiveMissing, counts.ReplayMissing, counts.Corrected);
    }

    private sealed class ParityRun(ParityRequest request, RegisteredJob job, IReadOnlyList<string> sources, ParityTally tally, DateTimeOffset createdAt)
    {
        private readonly Lock gate = new();
        private RunState? final;
        private string? failureReason;
        private DateTimeOffset? endedAt;

        public string Id { get; set; } = "";

        public ParityRequest Request => request;

        public RegisteredJob Job => job;

        public IReadOnlyList<string> Sources => sources;

        public ParityTally Tally => tally;

        public ParityOutput? Output { get; set; }

        public Task Execution { get; set; } = Task.CompletedTask;

        public void Ended(RunState state, string? reason, DateTimeOffset now)
        {
            lock (gate)
            {
                (final, failureReason, endedAt) = (state, reason, now);
            }
        }

        public ParityStatus Status(RunStatus? replay)
        {
            var (differences, truncated) = tally.Listed();
            lock (gate)
            {
                // The replay may have completed while the events without rows are still compared: running until then.
                var state = final ?? (replay?.State is RunState.Pending ? RunState.Pending : RunState.Running);
                return new ParityStatus(Id, job.Name, request.From, request.To, request.Correct, state, replay?.Progress, tally.Counts(), differences, truncated,
                    createdAt, endedAt, failureReason)
                {
                    Shifts = tally.Shifts(),
                    JobVersion = replay?.JobVersion,
                    Versions = replay?.Versions,
                    Parameters = replay?.Parameters,
                    RequestedBy = request.RequestedBy,
                };
            }
        }
    }
}
