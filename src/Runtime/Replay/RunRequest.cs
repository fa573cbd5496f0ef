using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Triggers;
using FeaturePlatform.Runtime.Triggers.Samples;

namespace FeaturePlatform.Runtime.Replay;

/// <summary>A replay or sample run to start.</summary>
public sealed record RunRequest
{
    /// <summary>The job to run (it runs whether or not it is enabled live).</summary>
    public required string Job { get; init; }

    /// <summary>A name for the run chosen by the user (shown and listed with it). Default: null, none.</summary>
    public string? Label { get; init; }

    /// <summary>Who started the run (the API key's name, <c>cli:&lt;user&gt;</c>, <c>schedule</c>), kept in its lineage. Default: null, not told.</summary>
    public string? RequestedBy { get; init; }

    /// <summary>What the run's events are: a time range of stored events or a sample table.</summary>
    public required RunInput Input { get; init; }

    /// <summary>
    /// Directory for the run's files (its <c>run.json</c> summary, backtest files written by its outputs). Default:
    /// <c>&lt;RunManagerOptions.ResultRoot&gt;/&lt;run id&gt;</c>, or none when no root is configured.
    /// </summary>
    public string? ResultDirectory { get; init; }

    /// <summary>Creates the run's outputs; default: the manager's factory. The run disposes them when it ends.</summary>
    public RunOutputFactory? Outputs { get; init; }

    /// <summary>
    /// Explicit parameter values (a what-if run, e.g. "backtest this proposal"): they replace the named parameters'
    /// values over the whole run; the others take the values in force at each event's time. Default: none.
    /// </summary>
    public IReadOnlyDictionary<string, object?>? Parameters { get; init; }

    /// <summary>
    /// Code to run instead of the loaded job named <see cref="Job"/>: a candidate version from the job registry (a
    /// backtest of a version before it goes live). Default: null, the job as loaded.
    /// </summary>
    public PyBridge.Jobs.LoadedJob? Version { get; init; }
}

/// <summary>The events of a run.</summary>
public abstract record RunInput
{
    /// <summary>
    /// One trigger source of the job to run on (it must be one of the job's triggers). Default: all of them — a time
    /// range replays every trigger source merged in (event time, source position) order; a sample table uses the
    /// job's first trigger.
    /// </summary>
    public string? Source { get; init; }
}

/// <summary>Replay of the stored events with event time in [<paramref name="From"/>, <paramref name="To"/>).</summary>
/// <param name="From">Start, ms since the Unix epoch (inclusive).</param>
/// <param name="To">End, ms since the Unix epoch (exclusive).</param>
public sealed record TimeRangeInput(long From, long To) : RunInput
{
    /// <summary>Batch size and parallelism; default: <see cref="ReplayOptions"/>' defaults.</summary>
    public ReplayOptions? Options { get; init; }
}

/// <summary>One event per row of a sample table of (key, time[, label]).</summary>
/// <param name="Path">The CSV or JSON-lines file.</param>
public sealed record SampleTableInput(string Path) : RunInput
{
    /// <summary>Layout and batch size; default: <see cref="SampleTableOptions"/>' defaults.</summary>
    public SampleTableOptions? Options { get; init; }
}

/// <summary>Creates the outputs of a run.</summary>
public delegate IReadOnlyList<IJobOutput> RunOutputFactory(RunContext run);

/// <summary>What an output factory knows of the run.</summary>
/// <param name="RunId">The run's id.</param>
/// <param name="Job">The job.</param>
/// <param name="ResultDirectory">Where the run's files go (created), or null.</param>
/// <param name="Parameters">The run's parameter values per event time (null: not planned).</param>
/// <param name="Input">What the run replays (range or sample table), or null when not told.</param>
public sealed record RunContext(string RunId, RegisteredJob Job, string? ResultDirectory, Parameters.ParameterPlan? Parameters = null, RunInput? Input = null);

/// <summary>Settings of the run manager.</summary>
public sealed record RunManagerOptions
{
    /// <summary>Parent directory of runs' result directories when a request names none. Default: none (no files).</summary>
    public string? ResultRoot { get; init; }

    /// <summary>
    /// Count a replay's events (a second, concurrent scan of the range) so progress has a total and an ETA.
    /// Default: true.
    /// </summary>
    public bool CountReplayEvents { get; init; } = true;

    /// <summary>How often a running run's <c>run.json</c> is rewritten with its progress. Default: 5 s.</summary>
    public TimeSpan SummaryInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Finished runs kept in memory (the oldest are forgotten first; their summary files stay). Default: 1000.</summary>
    public int MaxFinishedRuns { get; init; } = 1000;
}
