using FeaturePlatform.Runtime.Hosting;
using FeaturePlatform.Runtime.Jobs;

namespace FeaturePlatform.FeatureApi.Jobs;

/// <summary>
/// Where the API finds the jobs: a <see cref="JobRegistry"/> registered in DI explicitly (tests, embedders), else the
/// registry of the host's runtime (<see cref="RuntimeStartup"/>) once it has started. Before that, or when the runtime
/// failed to start, there are no jobs.
/// </summary>
internal sealed class JobCatalog(IServiceProvider services)
{
    /// <summary>The registry, or null while the host runs no jobs.</summary>
    public JobRegistry? Registry => services.GetService<JobRegistry>() ?? RuntimeRegistry;

    /// <summary>True when the jobs are the runtime's (parameter changes then go through its shared parameter store).</summary>
    public bool IsRuntimes => services.GetService<JobRegistry>() is null && RuntimeRegistry is not null;

    /// <summary>Every loaded job (empty without a registry).</summary>
    public IReadOnlyCollection<RegisteredJob> Jobs => Registry?.Jobs ?? [];

    private JobRegistry? RuntimeRegistry => services.GetService<RuntimeStartup>() is { Ready.IsCompletedSuccessfully: true } startup ? startup.Registry : null;

    /// <summary>The job named <paramref name="name"/>, or null.</summary>
    public RegisteredJob? Find(string name) => Registry?.Find(name);
}
