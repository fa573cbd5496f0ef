using System.Diagnostics;
using System.Runtime.CompilerServices;
using FeaturePlatform.PyBridge;
using FeaturePlatform.PyBridge.Jobs;
using FeaturePlatform.Runtime.Diagnostics;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Workers;

/// <summary>
/// One job's lane: its own worker processes (<see cref="WorkerSettings.PerJob"/>), so a slow, stuck or crashing job
/// only ever waits for itself. Live, replay, repair, quarantine retries and calls of the job all run here; a worker
/// that is gone is replaced on the next run (the run loop retries what was in flight, which counts as a failed attempt
/// of its events). Counts the lane's busy time and the runs waiting or running in it.
/// </summary>
internal sealed class JobWorkers(string job, WorkerSettings settings, PythonHostOptions python, ILogger logger) : IJobLogic, IAsyncDisposable
{
    private readonly WorkerConnection?[] slots = new WorkerConnection?[settings.PerJob];
    private readonly SemaphoreSlim gate = new(1, 1);
    // The slot each run used last, by its settled scope (one per replay run; a run's batches each get a data source of
    // their own, wrapping it) or else its data source; weak, so finished runs' entries are not kept.
    private readonly ConditionalWeakTable<object, StrongBox<int>> lastSlot = [];
    private readonly Lock busyLock = new();
    private int active;
    private long busySince;
    private long busyTicks;
    private int queued;
    private int started;
    private int restarts;
    private string? lastLoss;
    private bool disposed;

    /// <summary>What the lane is doing now.</summary>
    public WorkerLaneStatus Status
    {
        get
        {
            long busy;
            lock (busyLock)
            {
                busy = busyTicks + (active > 0 ? Stopwatch.GetTimestamp() - busySince : 0);
            }
            var alive = slots.Count(s => s is { Alive: true });
            return new WorkerLaneStatus(job, alive, Volatile.Read(ref restarts), Volatile.Read(ref queued),
                TimeSpan.FromSeconds((double)busy / Stopwatch.Frequency), Volatile.Read(ref lastLoss));
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<EventOutcome>> RunAsync(RegisteredJob job, IReadOnlyList<FeatureEvent> events, IFeatureDataSource dataSource, RunMode mode,
        IReadOnlyList<JobParameterSet>? parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (events.Count == 0)
        {
            return [];
        }
        // An edited module is reloaded here first (the version the worker must run is the one this host then runs).
        await job.Loaded.ReloadIfChangedAsync();
        Interlocked.Increment(ref queued);
        try
        {
            var worker = await AcquireAsync(dataSource, cancellationToken);
            Enter();
            try
            {
                return await worker.RunAsync(job, events, dataSource, mode == RunMode.Call, parameters, cancellationToken);
            }
            catch (WorkerLostException e)
            {
                Volatile.Write(ref lastLoss, e.Message);
                throw;
            }
            finally
            {
                Leave();
            }
        }
        finally
        {
            Interlocked.Decrement(ref queued);
        }
    }

    /// <summary>
    /// The worker for a run from <paramref name="source"/> (<see cref="LaneChoice"/>), starting one in each empty or dead
    /// slot first.
    /// </summary>
    private async Task<WorkerConnection> AcquireAsync(IFeatureDataSource source, CancellationToken cancellationToken)
    {
        var best = Pick(source);
        if (best is not null && slots.All(s => s is { Alive: true }))
        {
            return best;
        }
        await gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            for (var i = 0; i < slots.Length; i++)
            {
                if (slots[i] is { Alive: true })
                {
                    continue;
                }
                if (slots[i] is { } dead)
                {
                    await dead.DisposeAsync();
                    slots[i] = null;
                    Interlocked.Increment(ref restarts);
                }
                var n = Interlocked.Increment(ref started);
                slots[i] = await WorkerConnection.StartAsync($"{job}#{n}", settings, python, logger, cancellationToken);
            }
            return Pick(source) ?? throw new WorkerLostException($"no worker of job {job} is running");
        }
        finally
        {
            gate.Release();
        }
    }

    private WorkerConnection? Pick(IFeatureDataSource source)
    {
        Span<(bool Alive, int InFlight)> state = stackalloc (bool, int)[slots.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            state[i] = slots[i] is { } slot ? (slot.Alive, slot.InFlight) : (false, 0);
        }
        var last = lastSlot.GetOrAdd(RunOf(source), _ => new StrongBox<int>(-1));
        var chosen = LaneChoice.Pick(state, Volatile.Read(ref last.Value));
        if (chosen < 0)
        {
            return null;
        }
        Volatile.Write(ref last.Value, chosen);
        return slots[chosen];
    }

    /// <summary>What identifies the run of a batch's data source: its settled scope when it has one (the worker keeps that scope's copies), else the source.</summary>
    internal static object RunOf(IFeatureDataSource source) => source is ISettledFetches { SettledScope: { } scope } ? scope : source;

    private WorkerConnection? LeastBusy()
    {
        WorkerConnection? best = null;
        foreach (var slot in slots)
        {
            if (slot is { Alive: true } && (best is null || slot.InFlight < best.InFlight))
            {
                best = slot;
            }
        }
        return best;
    }

    private void Enter()
    {
        lock (busyLock)
        {
            if (active++ == 0)
            {
                busySince = Stopwatch.GetTimestamp();
            }
        }
    }

    private void Leave()
    {
        lock (busyLock)
        {
            if (--active == 0)
            {
                busyTicks += Stopwatch.GetTimestamp() - busySince;
            }
        }
    }

    /// <summary>Kills one live worker of the lane (tests and operators); returns its process id, or null when none runs.</summary>
    public int? KillOne(string reason)
    {
        var worker = LeastBusy();
        worker?.Kill(reason);
        return worker?.ProcessId;
    }

    /// <summary>The process ids of the lane's live workers.</summary>
    public IReadOnlyList<int> ProcessIds => [.. slots.Where(s => s is { Alive: true }).Select(s => s!.ProcessId)];

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }
        await gate.WaitAsync();
        try
        {
            disposed = true;
            for (var i = 0; i < slots.Length; i++)
            {
                if (slots[i] is { } slot)
                {
                    slots[i] = null;
                    await slot.DisposeAsync();
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }
}

/// <summary>A job's worker lane now.</summary>
/// <param name="Job">The job.</param>
/// <param name="Workers">Its live worker processes.</param>
/// <param name="Restarts">Workers started to replace one that was gone.</param>
/// <param name="Queue">Runs waiting for or running on its workers (batches and calls).</param>
/// <param name="Busy">Time during which at least one run of the job was on its workers, since start.</param>
/// <param name="LastLoss">Why its last lost worker went (null: none lost).</param>
public sealed record WorkerLaneStatus(string Job, int Workers, int Restarts, int Queue, TimeSpan Busy, string? LastLoss);
