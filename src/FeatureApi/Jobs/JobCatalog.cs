using FeaturePlatform.Runtime.Jobs;

namespace FeaturePlatform.FeatureApi.Jobs;

/// <summary>
/// Where the API finds the runtime's jobs: the <see cref="JobRegistry"/> in DI, when the host has one. The one place
/// to change when the registry comes from elsewhere (e.g. the runtime's start-up service).
/// </summary>
internal sealed class JobCatalog(IServiceProvider services)
{
    /// <summary>The registry, or null while the host runs no jobs (not configured, or not started yet).</summary>
    public JobRegistry? Registry => services.GetService<JobRegistry>();

    /// <summary>Every loaded job (empty without a registry).</summary>
    public IReadOnlyCollection<RegisteredJob> Jobs => Registry?.Jobs ?? [];

    /// <summary>The job named <paramref name="name"/>, or null.</summary>
    public RegisteredJob? Find(string name) => Registry?.Find(name);
}
