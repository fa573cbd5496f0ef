using FeaturePlatform.FeatureApi.Jobs;
using FeaturePlatform.Runtime.Jobs;

namespace FeaturePlatform.FeatureApi.Parameters;

/// <summary>
/// The parameter workflow over the runtime's <see cref="JobRegistry"/>, when the host has one in DI: definitions from
/// each job's declaration, current values and changes through <see cref="PyBridge.Jobs.LoadedJob"/>. Without a
/// registry every job is unknown (404).
/// </summary>
internal sealed class JobRegistryParameters(IServiceProvider services, ILogger<JobRegistryParameters> logger) : IParameterDefinitions, IParameterApplier
{
    public ValueTask<JobParameters?> GetAsync(string job, CancellationToken cancellationToken = default)
    {
        var found = services.GetRequiredService<JobCatalog>().Find(job);
        return ValueTask.FromResult(found is null ? null : new JobParameters(found.Name, found.Declaration.Parameters, found.Loaded.Parameters));
    }

    public async ValueTask ApplyAsync(string job, IReadOnlyDictionary<string, object> values, string changedBy, string reason, CancellationToken cancellationToken = default)
    {
        var found = services.GetRequiredService<JobCatalog>().Find(job) ?? throw new InvalidOperationException($"There is no job '{job}'.");
        // LoadedJob.SetParametersAsync replaces all operator-set values: send the current values with the change on top.
        var merged = new Dictionary<string, object?>(found.Loaded.Parameters, StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            merged[name] = value;
        }
        await found.Loaded.SetParametersAsync(merged);
        logger.LogInformation("Parameters of {Job} changed by {ChangedBy}: {Values} ({Reason})", job, changedBy, values, reason);
    }
}
