using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;

namespace FeaturePlatform.Runtime.Outputs;

/// <summary>
/// The outputs a job's declaration names (<c>@job(sinks=…)</c>), resolved at every write from the version the job runs
/// then: a promotion or rollback that names other presets takes effect from the next batch, like the code. A job that
/// names none writes to <paramref name="fallback"/> (its configured outputs' default, the feature store) when it has no
/// configured outputs, else to nothing here. A preset removed from the configuration after publishing fails the write
/// (the batch is retried, then quarantined), naming it: nothing is dropped silently.
/// </summary>
/// <param name="job">The job (its current declaration).</param>
/// <param name="presets">The admin's presets.</param>
/// <param name="create">Creates a preset's output.</param>
/// <param name="fallback">Where a job that names no preset writes; null: nowhere (it has configured outputs).</param>
internal sealed class DeclaredOutputs(RegisteredJob job, OutputPresets presets, Func<JobOutputSettings, IJobOutput> create, JobOutputSettings? fallback) : IJobOutput
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, IJobOutput> created = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string Name => $"presets:{job.Name}";

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
    {
        var sinks = job.Declaration.Sinks;
        if (sinks.Count == 0)
        {
            if (fallback is not null)
            {
                await Output("", fallback).WriteAsync(results, cancellationToken);
            }
            return;
        }
        foreach (var sink in sinks)
        {
            var preset = presets.Find(sink) ?? throw new InvalidOperationException(
                $"job {job.Name} version {job.Version} names output preset '{sink}', which Runtime:Outputs:Presets no longer defines (presets: {string.Join(", ", presets.Names)})");
            await Output(sink, preset).WriteAsync(results, cancellationToken);
        }
    }

    private IJobOutput Output(string name, JobOutputSettings settings)
    {
        lock (gate)
        {
            if (!created.TryGetValue(name, out var output))
            {
                created[name] = output = create(settings);
            }
            return output;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        List<IJobOutput> outputs;
        lock (gate)
        {
            outputs = [.. created.Values];
            created.Clear();
        }
        foreach (var output in outputs)
        {
            await output.DisposeAsync();
        }
    }
}
