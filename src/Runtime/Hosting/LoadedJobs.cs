using FeaturePlatform.Runtime.Jobs;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>
/// The jobs the runtime loaded, set once by <see cref="RuntimeStartup"/>. Services that need the jobs but that
/// start-up itself uses (the parameter store and sync) read them here, so the object graph has no cycle.
/// </summary>
public sealed class LoadedJobs
{
    private volatile JobRegistry? registry;

    /// <summary>The registry, or null before the jobs are loaded.</summary>
    public JobRegistry? Registry => registry;

    /// <summary>The loaded jobs (empty before they are loaded).</summary>
    public IReadOnlyCollection<RegisteredJob> Jobs => registry?.Jobs ?? [];

    internal void Set(JobRegistry loaded) => registry = loaded;
}
