using FeaturePlatform.Runtime.Outputs;
using Microsoft.Extensions.DependencyInjection;

namespace FeaturePlatform.Runtime.Hosting;

/// <summary>Builds a job's configured outputs. Adding an output kind is one line in <see cref="Builders"/>.</summary>
internal static class JobOutputs
{
    /// <summary>The kinds this build can write, and how to build each.</summary>
    private static readonly Dictionary<OutputKind, Func<OutputSettings, string, IServiceProvider, IJobOutput>> Builders = new()
    {
        [OutputKind.FeatureStore] = (_, _, services) => services.GetRequiredService<FeatureStore>(),
    };

    /// <summary>Whether this build supports <paramref name="kind"/>.</summary>
    public static bool Supports(OutputKind kind) => Builders.ContainsKey(kind);

    /// <summary>The outputs of <paramref name="job"/>.</summary>
    public static IReadOnlyList<IJobOutput> Create(IReadOnlyList<OutputSettings> outputs, string job, IServiceProvider services) =>
        outputs.Select(o => Builders.TryGetValue(o.Kind, out var build)
            ? build(o, job, services)
            : throw new NotSupportedException($"Job '{job}': output kind {o.Kind} is not available in this build.")).ToList();
}
