namespace FeaturePlatform.Runtime.Parameters;

/// <summary>
/// Current parameter values of jobs, shared by every runtime process (it lives in the event center's storage). The
/// review workflow calls <see cref="SetAsync"/> when a change is approved; every process then applies the values to
/// its running job without a restart.
/// </summary>
public interface IParameterStore
{
    /// <summary>The values operators set for <paramref name="job"/>, or null when none were ever set (defaults apply).</summary>
    ValueTask<ParameterSnapshot?> GetAsync(string job, CancellationToken cancellationToken = default);

    /// <summary>Every job's set values.</summary>
    ValueTask<IReadOnlyList<ParameterSnapshot>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets values of <paramref name="job"/>'s parameters (the others keep their current values), after checking each
    /// against the job's declaration: name, type, bounds, choices.
    /// </summary>
    /// <exception cref="ParameterValidationException">The job is unknown or a value is invalid; nothing is stored.</exception>
    ValueTask<ParameterSnapshot> SetAsync(string job, IReadOnlyDictionary<string, object?> values, string changedBy, string reason,
        CancellationToken cancellationToken = default);
}

/// <summary>The operator-set values of one job.</summary>
/// <param name="Job">The job.</param>
/// <param name="Values">Parameter name → value (long, double, bool or string); parameters absent use their defaults.</param>
/// <param name="Version">Change time of the latest change (ms since the Unix epoch), increasing per change.</param>
/// <param name="ChangedBy">Who made the latest change.</param>
/// <param name="Reason">Why.</param>
public sealed record ParameterSnapshot(string Job, IReadOnlyDictionary<string, object?> Values, long Version, string ChangedBy, string Reason);

/// <summary>A parameter change that does not fit the job's declaration.</summary>
public sealed class ParameterValidationException : ArgumentException
{
    /// <summary>Creates the exception from the list of problems.</summary>
    public ParameterValidationException(string job, IReadOnlyList<string> problems)
        : base($"Invalid parameters for job '{job}': {string.Join("; ", problems)}")
    {
        Job = job;
        Problems = problems;
    }

    /// <summary>The job.</summary>
    public string Job { get; }

    /// <summary>One line per problem, naming the parameter.</summary>
    public IReadOnlyList<string> Problems { get; }
}
