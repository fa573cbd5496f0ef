using FeaturePlatform.PyBridge.Jobs;

namespace FeaturePlatform.FeatureApi.Parameters;

/// <summary>Where the parameter workflow reads a job's parameter declarations and current values.</summary>
public interface IParameterDefinitions
{
    /// <summary>The job's parameters, or null when there is no such job.</summary>
    ValueTask<JobParameters?> GetAsync(string job, CancellationToken cancellationToken = default);
}

/// <summary>Applies an approved change (the job's parameter value store).</summary>
public interface IParameterApplier
{
    /// <summary>
    /// Sets <paramref name="values"/> (validated, typed: long, double, bool or string) on <paramref name="job"/>;
    /// parameters not named keep their current values. The change takes effect at <paramref name="effectiveAt"/> (ms;
    /// null: now).
    /// </summary>
    ValueTask ApplyAsync(string job, IReadOnlyDictionary<string, object> values, string changedBy, string reason, CancellationToken cancellationToken = default,
        long? effectiveAt = null);
}

/// <summary>A job's declared parameters and their current values.</summary>
/// <param name="Job">The job's name.</param>
/// <param name="Definitions">The declarations (type, bounds, choices, description, default).</param>
/// <param name="Current">Current value of each parameter (the default unless changed).</param>
public sealed record JobParameters(string Job, IReadOnlyList<ParameterDefinition> Definitions, IReadOnlyDictionary<string, object?> Current);
