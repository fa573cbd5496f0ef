using System.Collections.Concurrent;
using FeaturePlatform.FeatureApi.Parameters;
using FeaturePlatform.PyBridge.Jobs;
using ValueType = FeaturePlatform.PyBridge.Jobs.ValueType;

namespace FeaturePlatform.FeatureApi.Tests;

/// <summary>Test double of a job registry's parameters: declared jobs, current values, and a record of applied changes.</summary>
public sealed class InMemoryJobParameters : IParameterDefinitions, IParameterApplier
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, object?>> current = new(StringComparer.Ordinal);

    public static IReadOnlyList<ParameterDefinition> Definitions { get; } =
    [
        new("threshold", ValueType.Float, 0.5, "Score above which a user is flagged.", 0, 1, []),
        new("window_days", ValueType.Int, 30L, "Look-back window in days.", 1, 90, []),
        new("mode", ValueType.Str, "strict", "Scoring mode.", null, null, ["strict", "lenient"]),
        new("enabled", ValueType.Bool, true, "Whether flags are emitted.", null, null, []),
    ];

    /// <summary>Every applied change: (job, values, changedBy, reason).</summary>
    public ConcurrentQueue<(string Job, IReadOnlyDictionary<string, object> Values, string ChangedBy, string Reason)> Applied { get; } = new();

    /// <summary>Jobs whose next apply throws (as a job store that is down would).</summary>
    public ConcurrentDictionary<string, string> FailingJobs { get; } = new(StringComparer.Ordinal);

    /// <summary>Declares a job with <see cref="Definitions"/> at their defaults.</summary>
    public string AddJob(string name)
    {
        current[name] = new ConcurrentDictionary<string, object?>(Definitions.ToDictionary(d => d.Name, d => (object?)d.Default), StringComparer.Ordinal);
        return name;
    }

    public ValueTask<JobParameters?> GetAsync(string job, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(current.TryGetValue(job, out var values)
            ? new JobParameters(job, Definitions, new Dictionary<string, object?>(values, StringComparer.Ordinal))
            : null);

    public ValueTask ApplyAsync(string job, IReadOnlyDictionary<string, object> values, string changedBy, string reason, CancellationToken cancellationToken = default,
        long? effectiveAt = null)
    {
        if (FailingJobs.TryGetValue(job, out var failure))
        {
            throw new InvalidOperationException(failure);
        }
        var values0 = current[job];
        foreach (var (name, value) in values)
        {
            values0[name] = value;
        }
        Applied.Enqueue((job, values, changedBy, reason));
        return ValueTask.CompletedTask;
    }
}
