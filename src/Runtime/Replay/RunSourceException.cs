namespace FeaturePlatform.Runtime.Replay;

/// <summary>
/// A run names a source (field <c>source</c>) that is not one of the job's trigger sources. The message names the
/// field, the job and the valid values, ready for a 400 or a command-line error.
/// </summary>
public sealed class RunSourceException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="source"/> of <paramref name="job"/> with its <paramref name="triggers"/>.</summary>
    public RunSourceException(string source, string job, IReadOnlyList<string> triggers)
        : base($"source: '{source}' is not a trigger source of job '{job}'; valid values: {string.Join(", ", triggers)} (or leave source out to replay all of them, merged in event-time order).")
    {
        NamedSource = source;
        Triggers = triggers;
    }

    /// <summary>The source the run named.</summary>
    public string NamedSource { get; }

    /// <summary>The job's trigger sources: the valid values.</summary>
    public IReadOnlyList<string> Triggers { get; }

    /// <summary>The request field at fault.</summary>
    public static string Field => "source";
}
