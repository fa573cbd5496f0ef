using FeaturePlatform.Runtime.Replay;

namespace FeaturePlatform.Runtime.Parity;

/// <summary>A parity check to run: replay <paramref name="Job"/> over event times [<paramref name="From"/>, <paramref name="To"/>) and compare with what live produced.</summary>
/// <param name="Job">The job.</param>
/// <param name="From">Start of the range (ms, inclusive).</param>
/// <param name="To">End of the range (ms, exclusive).</param>
/// <param name="Correct">Also rewrite the outputs that differ (a correction run): the replay's rows go to the job's live outputs flagged as corrections and become the result log's revisions (kind Correction).</param>
public sealed record ParityRequest(string Job, long From, long To, bool Correct = false)
{
    /// <summary>
    /// A candidate version to replay instead of the loaded job (a registry version compared with what live produced
    /// before it goes live; not with <see cref="Correct"/>). Default: null.
    /// </summary>
    public PyBridge.Jobs.LoadedJob? Version { get; init; }

    /// <summary>Also compute each output column's distribution on both sides over every compared row and its shift (<see cref="ParityStatus.Shifts"/>). Default: false.</summary>
    public bool Shifts { get; init; }

    /// <summary>Who started the check (the API key's name, <c>cli:&lt;user&gt;</c>, <c>schedule</c>), kept in its report. Default: null, not told.</summary>
    public string? RequestedBy { get; init; }
}

/// <summary>Why a computation's live rows differ from the replay's.</summary>
public enum DifferenceCause
{
    /// <summary>Live computed with another job version than the replay.</summary>
    Version,

    /// <summary>Live ran with parameter values other than those in force at the event's time.</summary>
    Parameters,

    /// <summary>An input of the computation (an event of its entity at or before its time) was stored after live computed it: a repair is pending or was missed.</summary>
    LateData,

    /// <summary>None of the above (live never computed the event, a read of another entity changed, non-deterministic logic).</summary>
    Other,
}

/// <summary>How one row compares.</summary>
public enum RowOutcome
{
    /// <summary>Live's row equals the replay's.</summary>
    Equal,

    /// <summary>Both have the row, with different values.</summary>
    Differing,

    /// <summary>The replay has the row, live does not.</summary>
    LiveMissing,

    /// <summary>Live has the row, the replay does not.</summary>
    ReplayMissing,
}

/// <summary>Text forms of the parity enums as the API, CLI and metrics write them.</summary>
public static class ParityText
{
    /// <summary><c>version</c>, <c>parameters</c>, <c>late-data</c> or <c>other</c>.</summary>
    public static string Of(DifferenceCause cause) => cause switch
    {
        DifferenceCause.Version => "version",
        DifferenceCause.Parameters => "parameters",
        DifferenceCause.LateData => "late-data",
        _ => "other",
    };

    /// <summary><c>equal</c>, <c>differing</c>, <c>live-missing</c> or <c>replay-missing</c>.</summary>
    public static string Of(RowOutcome outcome) => outcome switch
    {
        RowOutcome.Equal => "equal",
        RowOutcome.Differing => "differing",
        RowOutcome.LiveMissing => "live-missing",
        _ => "replay-missing",
    };
}

/// <summary>Row counts of a parity check.</summary>
/// <param name="Computations">Trigger events compared.</param>
/// <param name="Equal">Rows equal in live and replay.</param>
/// <param name="Differing">Rows both have, with different values.</param>
/// <param name="LiveMissing">Rows only the replay has.</param>
/// <param name="ReplayMissing">Rows only live has.</param>
/// <param name="ByCause">Rows not equal (differing or missing), by cause (<c>version</c>, <c>parameters</c>, <c>late-data</c>, <c>other</c>).</param>
/// <param name="Corrected">Rows rewritten to the live outputs (correction runs).</param>
public sealed record ParityCounts(long Computations, long Equal, long Differing, long LiveMissing, long ReplayMissing, IReadOnlyDictionary<string, long> ByCause, long Corrected);

/// <summary>One row that is not equal.</summary>
/// <param name="Source">The trigger event's source.</param>
/// <param name="EventId">The trigger event's id.</param>
/// <param name="Key">The entity key.</param>
/// <param name="EventTime">The trigger's event time (ms).</param>
/// <param name="RowIndex">The row's position among the event's rows.</param>
/// <param name="Outcome"><c>differing</c>, <c>live-missing</c> or <c>replay-missing</c>.</param>
/// <param name="Live">Live's row (JSON object as the outputs write it), null when live has none.</param>
/// <param name="Replay">The replay's row, null when it has none.</param>
/// <param name="Cause"><c>version</c>, <c>parameters</c>, <c>late-data</c> or <c>other</c>.</param>
/// <param name="Detail">What the cause rests on, in words.</param>
/// <param name="LiveVersion">The job version live computed with (null: live has no computation).</param>
/// <param name="ReplayVersion">The job version of the replay.</param>
/// <param name="LiveRevision">When live's revision was computed (ms), null when none.</param>
public sealed record ParityDifference(string Source, string EventId, string Key, long EventTime, int RowIndex, string Outcome, System.Text.Json.JsonElement? Live, System.Text.Json.JsonElement? Replay,
    string Cause, string Detail, string? LiveVersion, string ReplayVersion, long? LiveRevision);

/// <summary>A parity check's state and report.</summary>
/// <param name="Id">The check's id (its replay run's id).</param>
/// <param name="Job">The job.</param>
/// <param name="From">Start of the range (ms, inclusive).</param>
/// <param name="To">End of the range (ms, exclusive).</param>
/// <param name="Correct">A correction run (rewrites what differs).</param>
/// <param name="State">Pending, Running, Completed, Failed or Cancelled.</param>
/// <param name="Progress">The replay's progress.</param>
/// <param name="Counts">The counts so far (final once completed).</param>
/// <param name="Differences">The rows not equal, in replay order, at most <see cref="ParityService.MaxDifferences"/>.</param>
/// <param name="Truncated">More rows differ than are listed.</param>
/// <param name="CreatedAt">When it was accepted.</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="FailureReason">Why it failed.</param>
public sealed record ParityStatus(string Id, string Job, long From, long To, bool Correct, RunState State, RunProgress? Progress, ParityCounts Counts,
    IReadOnlyList<ParityDifference> Differences, bool Truncated, DateTimeOffset CreatedAt, DateTimeOffset? EndedAt, string? FailureReason)
{
    /// <summary>Per output column, live's and the replay's distributions over every compared row and the shift between them (null unless <see cref="ParityRequest.Shifts"/>).</summary>
    public IReadOnlyList<FeatureShift>? Shifts { get; init; }

    /// <summary>The job version the replay ran (its content hash; null until the replay started).</summary>
    public string? JobVersion { get; init; }

    /// <summary>Every job version that ran events in the replay, with its event count.</summary>
    public IReadOnlyDictionary<string, long>? Versions { get; init; }

    /// <summary>The parameter values the replay ran with (null until the replay started).</summary>
    public Parameters.RunParameters? Parameters { get; init; }

    /// <summary>Who started the check (<see cref="ParityRequest.RequestedBy"/>), or null when not told.</summary>
    public string? RequestedBy { get; init; }

    /// <summary>Whether it has ended.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsFinished => State is RunState.Completed or RunState.Failed or RunState.Cancelled;
}
