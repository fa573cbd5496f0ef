namespace FeaturePlatform.Runtime.Backfill;

/// <summary>A backfill to start: replay <see cref="Job"/> over event times [<see cref="From"/>, <see cref="To"/>) into the feature store.</summary>
public sealed record BackfillRequest
{
    /// <summary>The job.</summary>
    public required string Job { get; init; }

    /// <summary>Start of the range (ms since the Unix epoch, inclusive).</summary>
    public required long From { get; init; }

    /// <summary>End of the range (ms, exclusive).</summary>
    public required long To { get; init; }

    /// <summary>One of the job's trigger sources. Default: null, all of them merged in (event time, source position) order.</summary>
    public string? Source { get; init; }

    /// <summary>
    /// Output presets (<c>Runtime:Outputs:Presets</c>) also written, with the same newest-event-time-wins filter and each
    /// row flagged as a correction. Default: none (the feature store only; it is always written).
    /// </summary>
    public IReadOnlyList<string> Sinks { get; init; } = [];

    /// <summary>Explicit parameter values for the whole run (model pins as <c>model.&lt;name&gt;</c>). Default: the values in force at each event's time.</summary>
    public IReadOnlyDictionary<string, object?>? Parameters { get; init; }

    /// <summary>Who asked (API key name, or the OS user for the command line); recorded with the run.</summary>
    public required string RequestedBy { get; init; }

    /// <summary>A name for the run. Default: none.</summary>
    public string? Label { get; init; }
}

/// <summary>
/// The durable record of a backfill next to its <c>run.json</c> (file <c>backfill.json</c>): what was asked, by whom, and
/// what it wrote and skipped. With the run's summary (job version, versions that ran, parameter values per stretch of
/// event time) it is the run's lineage.
/// </summary>
/// <param name="RunId">The run.</param>
/// <param name="Job">The job.</param>
/// <param name="From">Start of the range (ms, inclusive).</param>
/// <param name="To">End of the range (ms, exclusive).</param>
/// <param name="Source">The trigger source replayed, or null: all.</param>
/// <param name="Sinks">Presets written besides the feature store.</param>
/// <param name="RequestedBy">Who asked.</param>
/// <param name="Label">The run's name, or null.</param>
/// <param name="Overrides">Explicit parameter values, or null.</param>
/// <param name="Written">Result rows written.</param>
/// <param name="SkippedNewer">Result rows skipped: the feature store held a value of a newer event time.</param>
/// <param name="Models">Model → versions of the rows written.</param>
/// <param name="Final">True once the run has ended (the counts are final).</param>
public sealed record BackfillRecord(string RunId, string Job, long From, long To, string? Source, IReadOnlyList<string> Sinks, string RequestedBy, string? Label,
    IReadOnlyDictionary<string, object?>? Overrides, long Written, long SkippedNewer, IReadOnlyDictionary<string, IReadOnlyList<string>> Models, bool Final)
{
    /// <summary>The file's name in the run directory.</summary>
    public const string FileName = "backfill.json";
}

/// <summary>A backfill: its run (state, progress, job version, versions, parameters) and its record.</summary>
/// <param name="Run">The run's status.</param>
/// <param name="Backfill">The backfill's record.</param>
public sealed record BackfillStatus(Replay.RunStatus Run, BackfillRecord Backfill);
