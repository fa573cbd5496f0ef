using FeaturePlatform.Runtime.Parameters;
using FeaturePlatform.Runtime.Triggers.Samples;

namespace FeaturePlatform.Runtime.Replay;

/// <summary>Where a run is in its life.</summary>
public enum RunState
{
    /// <summary>Accepted, not started yet.</summary>
    Pending,

    /// <summary>Running its events.</summary>
    Running,

    /// <summary>Every event ran (events whose logic failed are error records, not a run failure).</summary>
    Completed,

    /// <summary>Stopped by an error of the run itself (unreadable input, output failure…); see the failure reason.</summary>
    Failed,

    /// <summary>Stopped on request.</summary>
    Cancelled,
}

/// <summary>How far a run is.</summary>
/// <param name="EventsDone">Events run so far.</param>
/// <param name="EstimatedTotal">Events expected in all, when known.</param>
/// <param name="Results">Result rows written.</param>
/// <param name="Errors">Events whose logic failed (each has an error record).</param>
/// <param name="BadRows">Sample-table rows that could not be read.</param>
/// <param name="EventsPerSecond">Average rate since the run started.</param>
/// <param name="Eta">Estimated time left, when the total is known and the run is moving.</param>
public sealed record RunProgress(long EventsDone, long? EstimatedTotal, long Results, long Errors, long BadRows, double EventsPerSecond, TimeSpan? Eta)
{
    /// <summary>Fraction done in [0, 1], when the total is known.</summary>
    public double? Fraction => EstimatedTotal is > 0 and var total ? Math.Min(1.0, (double)EventsDone / total) : null;
}

/// <summary>A snapshot of a run (also the content of its <c>run.json</c> summary file).</summary>
/// <param name="Id">The run's id.</param>
/// <param name="Job">The job.</param>
/// <param name="JobVersion">The job version (content hash of its code) when the run started.</param>
/// <param name="Trigger">What the run replays, e.g. "replay orders [t0, t1)".</param>
/// <param name="State">Its state.</param>
/// <param name="Progress">Its progress.</param>
/// <param name="CreatedAt">When it was accepted.</param>
/// <param name="StartedAt">When it started running.</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="ResultDirectory">Where its files are, or null.</param>
/// <param name="FailureReason">Why it failed, for <see cref="RunState.Failed"/>.</param>
/// <param name="BadRowSamples">The first bad sample-table rows, with line numbers and reasons.</param>
/// <param name="Versions">Events run per job version: the versions whose code really ran (a hot reload mid-run adds one).</param>
/// <param name="Parameters">The parameter values used per stretch of event time, and the run's overrides.</param>
/// <param name="Label">The name the user gave the run (<see cref="RunRequest.Label"/>), or null.</param>
/// <param name="From">Start of a time-range run's range (ms, inclusive); null for a sample-table run.</param>
/// <param name="To">End of a time-range run's range (ms, exclusive); null for a sample-table run.</param>
/// <param name="RequestedBy">Who started it (<see cref="RunRequest.RequestedBy"/>), or null when not told.</param>
public sealed record RunStatus(string Id, string Job, string JobVersion, string Trigger, RunState State, RunProgress Progress,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string? ResultDirectory, string? FailureReason,
    IReadOnlyList<SampleRowError> BadRowSamples, IReadOnlyDictionary<string, long> Versions, RunParameters? Parameters, string? Label = null,
    long? From = null, long? To = null, string? RequestedBy = null)
{
    /// <summary>True once the run can change no more.</summary>
    public bool IsFinished => State is RunState.Completed or RunState.Failed or RunState.Cancelled;
}
