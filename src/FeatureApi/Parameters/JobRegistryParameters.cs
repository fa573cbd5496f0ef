using FeaturePlatform.FeatureApi.Jobs;
using FeaturePlatform.Runtime.Parameters;

namespace FeaturePlatform.FeatureApi.Parameters;

/// <summary>
/// The parameter workflow over the jobs of <see cref="JobCatalog"/>: definitions from each job's declaration. With the
/// runtime's jobs, current values are the runtime's shared <see cref="IParameterStore"/> (over the defaults) and an
/// approved change is stored there — every runtime process applies it to its running job (this one at once, others on
/// their next poll). With a registry registered on its own, values are read from and set on the loaded jobs directly.
/// Without jobs every job is unknown (404).
/// </summary>
internal sealed class JobRegistryParameters(JobCatalog catalog, IServiceProvider services, ILogger<JobRegistryParameters> logger) : IParameterDefinitions, IParameterApplier
{
    public async ValueTask<JobParameters?> GetAsync(string job, CancellationToken cancellationToken = default)
    {
        var found = catalog.Find(job);
        if (found is null)
        {
            return null;
        }
        var current = new Dictionary<string, object?>(found.Loaded.Parameters, StringComparer.Ordinal);
        if (SharedStore is { } store && await store.GetAsync(job, cancellationToken) is { } snapshot)
        {
            foreach (var d in found.Declaration.Parameters)
            {
                if (snapshot.Values.TryGetValue(d.Name, out var value))
                {
                    current[d.Name] = value;
                }
            }
        }
        return new JobParameters(found.Name, found.Declaration.Parameters, current);
    }

    public async ValueTask ApplyAsync(string job, IReadOnlyDictionary<string, object> values, string changedBy, string reason, CancellationToken cancellationToken = default,
        long? effectiveAt = null)
    {
        var found = catalog.Find(job) ?? throw new InvalidOperationException($"There is no job '{job}'.");
        if (SharedStore is { } store)
        {
            var snapshot = await store.SetAsync(job, values.ToDictionary(kv => kv.Key, kv => (object?)kv.Value, StringComparer.Ordinal), changedBy, reason, cancellationToken,
                effectiveAt);
            logger.LogInformation("Parameters of {Job} stored as version {Version} (effective {EffectiveAt}) by {ChangedBy}: {Values} ({Reason})", job, snapshot.Version,
                snapshot.EffectiveAt, changedBy, values, reason);
            return;
        }
        if (effectiveAt is not null)
        {
            throw new InvalidOperationException("A later effective time needs the runtime's parameter store (this host's jobs have no parameter history).");
        }
        // LoadedJob.SetParametersAsync replaces all operator-set values: send the current values with the change on top.
        var merged = new Dictionary<string, object?>(found.Loaded.Parameters, StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            merged[name] = value;
        }
        await found.Loaded.SetParametersAsync(merged);
        logger.LogInformation("Parameters of {Job} changed by {ChangedBy}: {Values} ({Reason})", job, changedBy, values, reason);
    }

    private IParameterStore? SharedStore => catalog.IsRuntimes ? services.GetService<IParameterStore>() : null;
}
