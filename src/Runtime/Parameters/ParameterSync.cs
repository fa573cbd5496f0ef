using FeaturePlatform.EventCenter.Resilience;
using FeaturePlatform.Runtime.Jobs;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Parameters;

/// <summary>
/// Applies the stored parameter values in force now to the jobs running in this process
/// (<c>LoadedJob.SetParametersAsync</c>), so a change takes effect without a restart. Polls the store (changes made by
/// other processes), wakes at once on the local <see cref="ParameterSignal"/>, and wakes when a change approved for a
/// later time becomes effective.
/// </summary>
public sealed class ParameterSync(IParameterStore store, Func<IReadOnlyCollection<RegisteredJob>> jobs, ILogger logger, TimeProvider? clock = null)
{
    private readonly Dictionary<string, (long Version, int Changes)> applied = new(StringComparer.Ordinal);
    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private long? nextChangeAt;

    /// <summary>Changes applied since start.</summary>
    public long Applied { get; private set; }

    /// <summary>Reads the store once and applies every change not yet applied; returns how many jobs changed.</summary>
    public async Task<int> SyncOnceAsync(CancellationToken cancellationToken = default)
    {
        var changed = 0;
        var loaded = jobs().ToDictionary(j => j.Name, StringComparer.Ordinal);
        var snapshots = await store.ListAsync(cancellationToken);
        nextChangeAt = snapshots.Select(s => s.NextChangeAt).Where(t => t is not null).DefaultIfEmpty(null).Min();
        foreach (var snapshot in snapshots)
        {
            // The changes in force only grow as time passes; a later-effective change may carry an older version.
            if (!loaded.TryGetValue(snapshot.Job, out var job) || applied.GetValueOrDefault(snapshot.Job) == (snapshot.Version, snapshot.Changes))
            {
                continue;
            }
            // Parameters a newer module version no longer declares are skipped rather than failing the whole set.
            var declared = job.Declaration.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var values = snapshot.Values.Where(kv => declared.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            try
            {
                await job.Loaded.SetParametersAsync(values);
                logger.LogInformation("Job {Job}: parameters version {Version} applied (by {ChangedBy}: {Reason})", job.Name, snapshot.Version, snapshot.ChangedBy, snapshot.Reason);
                changed++;
                Applied++;
            }
            catch (ArgumentException e)
            {
                logger.LogError(e, "Job {Job}: stored parameters version {Version} rejected by the job; previous values stay", job.Name, snapshot.Version);
            }
            applied[snapshot.Job] = (snapshot.Version, snapshot.Changes);
        }
        return changed;
    }

    /// <summary>Syncs every <paramref name="interval"/> or on <paramref name="signal"/>, until cancelled (the shared <see cref="PollLoop"/>); read failures are logged and retried.</summary>
    public Task RunAsync(ParameterSignal signal, TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signal);
        return PollLoop.RunAsync(async ct =>
        {
            await SyncOnceAsync(ct);
            // A change approved for later is applied when it takes effect, not a poll interval after.
            return nextChangeAt is { } next ? TimeSpan.FromMilliseconds(Math.Max(0, next - clock.GetUtcNow().ToUnixTimeMilliseconds())) : null;
        }, () => signal.Next, interval, logger, "job parameters", cancellationToken);
    }
}
