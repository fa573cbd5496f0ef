using System.Collections.Concurrent;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.PyBridge;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Parameters;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Runtime.Triggers.Samples;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.Runtime.Replay;

/// <summary>
/// Replays and sample runs as managed runs: each has an id, a state, progress (events done of the estimated total,
/// rate, ETA, errors), a result directory with a <c>run.json</c> summary, and can be cancelled. A run executes in the
/// background through the one run loop (<see cref="JobRunner"/>); the manager owns and awaits every run's task.
/// </summary>
/// <remarks>
/// Parameters: each event runs with the values in force at its event time from <paramref name="parameterStore"/>'s
/// history (without a store: the job's current values), with the request's explicit overrides on top; the run's
/// status records the values used and the job versions that ran.
/// </remarks>
public sealed class RunManager(
    JobRegistry jobs,
    IEventReader events,
    IFeatureDataSource dataSource,
    JobErrorLog errors,
    RunManagerOptions? options = null,
    RunOutputFactory? defaultOutputs = null,
    ILoggerFactory? loggers = null,
    TimeProvider? clock = null,
    RuntimeMetrics? metrics = null,
    IParameterStore? parameterStore = null,
    Quarantine.EventQuarantine? quarantine = null) : IAsyncDisposable
{
    private readonly RunManagerOptions options = options ?? new RunManagerOptions();
    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private readonly ILogger logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger<RunManager>();
    private readonly ILogger runnerLogger = (loggers ?? NullLoggerFactory.Instance).CreateLogger<JobRunner>();
    private readonly ConcurrentDictionary<string, Run> runs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource disposing = new();
    private readonly RunHistory pastRuns = new(options?.ResultRoot is { } historyRoot ? Path.GetFullPath(historyRoot) : null,
        (loggers ?? NullLoggerFactory.Instance).CreateLogger<RunManager>());
    private int disposed;

    /// <summary>Accepts a run and starts it in the background; returns its id.</summary>
    /// <exception cref="KeyNotFoundException">No job has that name.</exception>
    /// <exception cref="ArgumentException">
    /// The time range is empty, the sample table's header lacks the key or time column or its times
    /// are in seconds (<see cref="SampleTableCheck"/>), the job has no trigger source, the input is unknown, or (a
    /// <see cref="RunSourceException"/>) the input names a source that is not one of the job's triggers.
    /// </exception>
    /// <exception cref="FileNotFoundException">The sample table does not exist.</exception>
    public async Task<string> StartAsync(RunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        // A run of an explicit version (a backtest of a candidate) needs no loaded job of its name.
        var job = request.Version is { } version
            ? jobs.Candidate(version)
            : jobs.Find(request.Job) ?? throw new KeyNotFoundException($"No job named '{request.Job}'.");
        switch (request.Input)
        {
            case TimeRangeInput { From: var from, To: var to } when from >= to:
                throw new ArgumentException($"Empty time range [{from}, {to}).", nameof(request));
            case SampleTableInput sample when !File.Exists(sample.Path):
                throw new FileNotFoundException($"Sample table '{sample.Path}' not found.", sample.Path);
            case SampleTableInput sample:
                if (await SampleTableCheck.ProblemAsync(sample.Path, sample.Options ?? new SampleTableOptions(), cancellationToken) is { } problem)
                {
                    throw new ArgumentException(problem);
                }
                break;
            case TimeRangeInput:
                break;
            default:
                throw new ArgumentException($"Unknown run input {request.Input?.GetType().Name ?? "null"}.", nameof(request));
        }
        _ = SourcesOf(job, request.Input);
        if (request.Parameters is { Count: > 0 } overrides)
        {
            ParameterValidator.Normalise(job.Declaration, overrides); // a bad override is the caller's error, not a failed run
        }
        var now = clock.GetUtcNow();
        var id = $"run-{now:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";
        var directory = request.ResultDirectory ?? (options.ResultRoot is { } root ? Path.Combine(root, id) : null);
        var run = new Run(id, job, request, directory is null ? null : Path.GetFullPath(directory), now);
        // Known before it runs: its run.json (written by the run) must never be read as a run of an earlier host.
        runs[id] = run;
        run.Execution = Task.Run(() => ExecuteAsync(run), CancellationToken.None);
        Forget();
        return id;
    }

    /// <summary>
    /// The run's current status, or null when unknown. Runs of earlier hosts and forgotten runs come from their
    /// <c>run.json</c> under <see cref="RunManagerOptions.ResultRoot"/>.
    /// </summary>
    public RunStatus? Get(string runId) => runs.TryGetValue(runId, out var run) ? run.Snapshot(clock.GetUtcNow()) : pastRuns.Find(runId);

    /// <summary>Every known run (this manager's and those with a summary under the result root), newest first.</summary>
    public IReadOnlyList<RunStatus> List()
    {
        var now = clock.GetUtcNow();
        var current = runs.Values.Select(r => r.Snapshot(now)).ToList();
        return current.Concat(pastRuns.All(current.Select(s => s.Id).ToHashSet(StringComparer.Ordinal)))
            .OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Waits until the run has ended; returns its final status (null when unknown).</summary>
    public async Task<RunStatus?> WaitAsync(string runId, CancellationToken cancellationToken = default)
    {
        if (!runs.TryGetValue(runId, out var run))
        {
            return pastRuns.Find(runId);
        }
        await run.Execution.WaitAsync(cancellationToken);
        return run.Snapshot(clock.GetUtcNow());
    }

    /// <summary>
    /// Cancels the run and waits until it has stopped (no output is written after this returns); returns its final
    /// status, or null when unknown. Cancelling a finished run changes nothing.
    /// </summary>
    public async Task<RunStatus?> CancelAsync(string runId)
    {
        if (!runs.TryGetValue(runId, out var run))
        {
            return pastRuns.Find(runId);
        }
        if (!run.IsFinished)
        {
            await run.Cancel.CancelAsync();
        }
        await run.Execution;
        return run.Snapshot(clock.GetUtcNow());
    }

    /// <summary>Cancels every unfinished run and awaits all.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        await disposing.CancelAsync();
        await Task.WhenAll(runs.Values.Select(r => r.Execution));
        foreach (var run in runs.Values)
        {
            run.Dispose();
        }
        disposing.Dispose();
    }

    private async Task ExecuteAsync(Run run)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(run.Cancel.Token, disposing.Token);
        using var stopRefresh = new CancellationTokenSource();
        var refreshing = Task.CompletedTask;
        IReadOnlyList<IJobOutput> outputs = [];
        var final = RunState.Completed;
        string? reason = null;
        try
        {
            if (run.ResultDirectory is { } directory)
            {
                Directory.CreateDirectory(directory);
                await RunSummaryFile.WriteAsync(directory, run.Snapshot(clock.GetUtcNow()), CancellationToken.None);
                refreshing = RefreshSummaryAsync(run, directory, stopRefresh.Token);
            }
            var sources = SourcesOf(run.Job, run.Request.Input);
            run.Parameters = await PlanAsync(run.Job, run.Request.Parameters, stop.Token);
            outputs = (run.Request.Outputs ?? defaultOutputs)?.Invoke(new RunContext(run.Id, run.Job, run.ResultDirectory, run.Parameters, run.Request.Input)) ?? [];
            // Each run its own data source: a cache of settled states lives exactly as long as the run.
            var runner = new JobRunner(run.Job, (dataSource as IRunScopedDataSource)?.ForRun() ?? dataSource, outputs, errors, runnerLogger, clock, metrics, RunMode.Replay,
                run.Parameters, quarantine: quarantine);
            switch (run.Request.Input)
            {
                case TimeRangeInput range:
                    var replay = new ReplayTrigger(events, sources, range.From, range.To, range.Options);
                    run.Started(replay.Description, runner.Counters, null, null, clock.GetUtcNow());
                    await RunReplayAsync(run, runner, replay, sources, range, stop.Token);
                    break;
                case SampleTableInput table:
                    // A sample row names an entity of one source: the named one, else the job's first trigger.
                    var sample = await SampleTableTrigger.OpenAsync(events, sources[0], table.Path, table.Options, stop.Token);
                    run.Started(sample.Description, runner.Counters, sample.EstimatedTotal, sample, clock.GetUtcNow());
                    await runner.RunAsync(sample, stop.Token);
                    break;
            }
            if (stop.IsCancellationRequested)
            {
                final = RunState.Cancelled;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            final = RunState.Cancelled;
        }
        catch (Exception e)
        {
            final = RunState.Failed;
            reason = $"{e.GetType().Name}: {e.Message}";
            logger.LogError(e, "Run {RunId} of job {Job} failed", run.Id, run.Job.Name);
        }
        foreach (var output in outputs)
        {
            try
            {
                await output.DisposeAsync();
            }
            catch (Exception e)
            {
                final = RunState.Failed;
                reason ??= $"output {output.Name} failed to close: {e.GetType().Name}: {e.Message}";
                logger.LogError(e, "Run {RunId}: output {Output} failed to close", run.Id, output.Name);
            }
        }
        await stopRefresh.CancelAsync();
        await refreshing;
        // The final summary file is written before the end is visible: whoever sees the run finished finds its file final.
        var endedAt = clock.GetUtcNow();
        var status = run.EndedSnapshot(final, reason, endedAt);
        if (run.ResultDirectory is { } dir)
        {
            try
            {
                await RunSummaryFile.WriteAsync(dir, status, CancellationToken.None);
            }
            catch (IOException e)
            {
                logger.LogError(e, "Run {RunId}: could not write its summary to {Directory}", run.Id, dir);
            }
        }
        run.Ended(final, reason, endedAt);
        logger.LogInformation("Run {RunId} of job {Job} {State}: {Events} events, {Results} results, {Errors} errors", run.Id, run.Job.Name, status.State,
            status.Progress.EventsDone, status.Progress.Results, status.Progress.Errors);
    }

    private async Task RunReplayAsync(Run run, JobRunner runner, ReplayTrigger replay, IReadOnlyList<string> sources, TimeRangeInput range, CancellationToken cancellationToken)
    {
        if (!options.CountReplayEvents)
        {
            await runner.RunAsync(replay, cancellationToken);
            return;
        }
        using var stopCount = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var counting = CountAsync(run, sources, range, stopCount.Token);
        try
        {
            await runner.RunAsync(replay, cancellationToken);
        }
        finally
        {
            await stopCount.CancelAsync();
            await counting;
        }
    }

    /// <summary>Rewrites the run's summary file every <see cref="RunManagerOptions.SummaryInterval"/> while it runs; never throws.</summary>
    private async Task RefreshSummaryAsync(Run run, string directory, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.SummaryInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await RunSummaryFile.WriteAsync(directory, run.Snapshot(clock.GetUtcNow()), cancellationToken);
                }
                catch (IOException e)
                {
                    logger.LogWarning(e, "Run {RunId}: could not refresh its summary in {Directory}", run.Id, directory);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Counts the range's events for progress; never throws (a failed count only leaves the total unknown).</summary>
    private async Task CountAsync(Run run, IReadOnlyList<string> sources, TimeRangeInput range, CancellationToken cancellationToken)
    {
        long count = 0;
        try
        {
            foreach (var source in sources)
            {
                await foreach (var _ in events.ReplayAsync(source, range.From, range.To, cancellationToken))
                {
                    count++;
                }
            }
            run.Counted(count);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Run {RunId}: counting the replay's events failed; progress has no total", run.Id);
        }
    }

    /// <summary>
    /// The run's parameter plan: the stored history (or, without a store, the job's current values from the start of
    /// time) with <paramref name="overrides"/> on top.
    /// </summary>
    private async Task<ParameterPlan> PlanAsync(RegisteredJob job, IReadOnlyDictionary<string, object?>? overrides, CancellationToken cancellationToken)
    {
        var history = parameterStore is not null
            ? await parameterStore.GetHistoryAsync(job.Name, cancellationToken)
            : new ParameterHistory(job.Name, [new ParameterChange(0, long.MinValue, job.Loaded.Parameters, "", "the job's current values")]);
        return ParameterPlan.Create(job.Declaration, history, overrides);
    }

    /// <summary>
    /// The sources a run reads: the one the input names (it must be one of the job's triggers), else every trigger
    /// source of the job in declaration order (a time range replays them merged; a sample table uses the first).
    /// </summary>
    internal static IReadOnlyList<string> SourcesOf(RegisteredJob job, RunInput input)
    {
        var triggers = job.Declaration.Triggers.Select(t => t.Source).Distinct(StringComparer.Ordinal).ToList();
        if (input.Source is { } named)
        {
            // A job without triggers (run on call only) may still be replayed over a source the caller names.
            if (triggers.Count > 0 && !triggers.Contains(named, StringComparer.Ordinal))
            {
                throw new RunSourceException(named, job.Name, triggers);
            }
            return [named];
        }
        return triggers.Count > 0 ? triggers
            : throw new ArgumentException($"Job '{job.Name}' declares no trigger source; name the run's source.", nameof(input));
    }

    /// <summary>Forgets the oldest finished runs beyond <see cref="RunManagerOptions.MaxFinishedRuns"/> (their files stay).</summary>
    private void Forget()
    {
        var finished = runs.Values.Where(r => r.IsFinished).ToList();
        var excess = finished.Count - options.MaxFinishedRuns;
        if (excess <= 0)
        {
            return;
        }
        var now = clock.GetUtcNow();
        foreach (var run in finished.OrderBy(r => r.Snapshot(now).EndedAt).Take(excess))
        {
            if (runs.TryRemove(run.Id, out _))
            {
                run.Dispose();
            }
        }
    }
}
