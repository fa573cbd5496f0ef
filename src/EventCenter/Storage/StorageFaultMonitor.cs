using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeaturePlatform.EventCenter.Storage;

/// <summary>A database whose writes fail for a storage cause, since <see cref="Since"/>.</summary>
/// <param name="Database">The database file.</param>
/// <param name="Reason">The cause.</param>
/// <param name="Message">The first failure's message (names the cause and the file).</param>
/// <param name="Since">When the first write of this episode failed.</param>
/// <param name="FailedWrites">Writes (and probes) that failed in this episode.</param>
public sealed record StorageFault(string Database, StorageFaultReason Reason, string Message, DateTimeOffset Since, long FailedWrites);

/// <summary>
/// Where the embedded databases report writes that fail for a storage cause (<see cref="StorageUnavailableException"/>):
/// keeps one episode per database from its first failed write to the next successful one, logs each episode once at
/// Error when it starts and once at Information when it ends (not per retry), feeds the readiness check, and — only
/// while some database is failing — runs a cheap probe write now and then so recovery is noticed without traffic.
/// A healthy platform does no probe writes.
/// </summary>
public sealed class StorageFaultMonitor
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Episode> episodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (StorageFaultReason Reason, DateTimeOffset EndedAt)> ended = new(StringComparer.Ordinal);
    private readonly ILogger logger;
    private readonly TimeProvider clock;

    /// <summary>Creates a monitor logging to <paramref name="logger"/>.</summary>
    public StorageFaultMonitor(ILogger<StorageFaultMonitor>? logger = null, TimeProvider? clock = null)
    {
        this.logger = logger ?? NullLogger<StorageFaultMonitor>.Instance;
        this.clock = clock ?? TimeProvider.System;
    }

    /// <summary>The databases whose writes fail now (empty when all is well).</summary>
    public IReadOnlyList<StorageFault> Faults
    {
        get
        {
            lock (gate)
            {
                return episodes.Values.Select(e => e.Fault).ToList();
            }
        }
    }

    /// <summary>
    /// How soon after an episode ended a new one with the same cause counts as the same trouble flapping (a nearly full
    /// disk where small writes still fit): logged at Debug, not again at Error. Default: 1 minute.
    /// </summary>
    public static readonly TimeSpan FlapWindow = TimeSpan.FromMinutes(1);

    /// <summary>Episodes started so far (each logged once).</summary>
    public long Episodes { get; private set; }

    /// <summary>
    /// Reports a failed write. The first failure of an episode (or one with a new cause) is logged at Error; later ones
    /// only counted. <paramref name="probe"/> is a small write that succeeds once the cause is gone.
    /// </summary>
    public void ReportFailure(StorageUnavailableException failure, Func<CancellationToken, ValueTask> probe)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(probe);
        bool starts;
        var flaps = false;
        lock (gate)
        {
            starts = !episodes.TryGetValue(failure.Database, out var current) || current.Fault.Reason != failure.Reason;
            flaps = starts && ended.TryGetValue(failure.Database, out var last) && last.Reason == failure.Reason
                && clock.GetUtcNow() - last.EndedAt < FlapWindow;
            episodes[failure.Database] = starts
                ? new Episode(new StorageFault(failure.Database, failure.Reason, failure.Message, clock.GetUtcNow(), 1), probe)
                : current! with { Fault = current.Fault with { FailedWrites = current.Fault.FailedWrites + 1 } };
            if (starts)
            {
                Episodes++;
            }
        }
        if (starts && flaps)
        {
            logger.LogDebug("Storage refuses writes again shortly after recovering ({Cause})", failure.Message);
        }
        else if (starts)
        {
            logger.LogError(failure, "Storage refuses writes ({Cause}); writes fail with HTTP 503 and ingestion waits until this is fixed, then recovers by itself (no restart needed)", failure.Message);
        }
    }

    /// <summary>Reports a successful write to <paramref name="database"/>; ends its episode if one is open.</summary>
    public void ReportSuccess(string database)
    {
        Episode? over;
        lock (gate)
        {
            if (!episodes.Remove(database, out over))
            {
                return;
            }
            ended[database] = (over.Fault.Reason, clock.GetUtcNow());
        }
        logger.LogInformation("Writes to {Database} succeed again after {Duration} ({FailedWrites} failed writes): {Cause} is over",
            database, clock.GetUtcNow() - over.Fault.Since, over.Fault.FailedWrites, StorageUnavailableException.Describe(over.Fault.Reason));
    }

    /// <summary>Runs the probe of every failing database once (each probe reports its own outcome).</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        List<Func<CancellationToken, ValueTask>> probes;
        lock (gate)
        {
            probes = episodes.Values.Select(e => e.Probe).ToList();
        }
        foreach (var probe in probes)
        {
            try
            {
                await probe(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Reported (and counted) by the probe's store; the next round tries again.
            }
        }
    }

    /// <summary>
    /// Probes failing databases every <paramref name="interval"/> until <paramref name="cancellationToken"/> is
    /// cancelled (then returns normally). Nothing is written while no database fails. Awaited by the host's
    /// background service.
    /// </summary>
    public async Task RunProbesAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        try
        {
            while (true)
            {
                await Task.Delay(interval, clock, cancellationToken).ConfigureAwait(false);
                await ProbeAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop.
        }
    }

    private sealed record Episode(StorageFault Fault, Func<CancellationToken, ValueTask> Probe);
}
