using FeaturePlatform.Runtime.Jobs;
using Microsoft.Extensions.Logging;

namespace FeaturePlatform.Runtime.Parameters;

/// <summary>
/// Applies stored parameter values to the jobs running in this process (<c>LoadedJob.SetParametersAsync</c>), so a
/// change takes effect without a restart. Polls the store (changes made by other processes) and wakes at once on the
/// local <see cref="ParameterSignal"/>.
/// </summary>
public sealed class ParameterSync(IParameterStore store, Func<IReadOnlyCollection<RegisteredJob>> jobs, ILogger logger)
{
    private readonly Dictionary<string, long> applied = new(StringComparer.Ordinal);

    /// <summary>Changes applied since start.</summary>
    public long Applied { get; private set; }

    /// <summary>Reads the store once and applies every change not yet applied; returns how many jobs changed.</summary>
    public async Task<int> SyncOnceAsync(CancellationToken cancellationToken = default)
    {
        var changed = 0;
        var loaded = jobs().ToDictionary(j => j.Name, StringComparer.Ordinal);
        foreach (var snapshot in await store.ListAsync(cancellationToken))
        {
            if (!loaded.TryGetValue(snapshot.Job, out var job) || applied.GetValueOrDefault(snapshot.Job) >= snapshot.Version)
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
            applied[snapshot.Job] = snapshot.Version;
        }
        return changed;
    }

    /// <summary>Syncs every <paramref name="interval"/> or on <paramref name="signal"/>, until cancelled; read failures are logged and retried.</summary>
    public async Task RunAsync(ParameterSignal signal, TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signal);
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = signal.Next;
            try
            {
                await SyncOnceAsync(cancellationToken);
                await ParameterSignal.WaitAsync(wake, interval, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Reading job parameters failed; retrying");
                try
                {
                    await Task.Delay(interval, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }
}
