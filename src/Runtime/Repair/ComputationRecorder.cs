using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.Runtime.Execution;

namespace FeaturePlatform.Runtime.Repair;

/// <summary>
/// Records what each computation of a run read (<see cref="ReadIndex"/>) and produced (<see cref="ResultLog"/>), as
/// soon as its batch is computed, so a late event finds the computations it changes and a repair can tell whether
/// their result changed.
/// </summary>
/// <remarks>Without read tracking (repair off) only the results are recorded: the parity check still compares them.</remarks>
public sealed class ComputationRecorder(ResultLog results, ReadIndex reads, bool trackReads = true, ComputationKind kind = ComputationKind.Live, InFlightBatches? inFlight = null)
{
    /// <summary>The batches of this process being computed (shared by every recorder made with <see cref="As"/>).</summary>
    public InFlightBatches InFlight { get; } = inFlight ?? new InFlightBatches(TimeProvider.System);

    /// <summary>Whether reads are tracked (late-data repair on).</summary>
    public bool TracksReads => trackReads;

    /// <summary>The result log.</summary>
    public ResultLog Results => results;

    /// <summary>The read index.</summary>
    public ReadIndex Reads => reads;

    /// <summary>How the computations it records were made.</summary>
    public ComputationKind Kind => kind;

    /// <summary>The same recorder for computations made another way (repair, correction).</summary>
    public ComputationRecorder As(ComputationKind other) => new(results, reads, trackReads, other, InFlight);

    /// <summary>
    /// Records the batch <paramref name="triggers"/>, computed from <paramref name="startedAt"/> (ms): its reads, then its
    /// outcome with the identity of the parameter values each trigger ran with (<paramref name="parameters"/>, by index).
    /// </summary>
    public async ValueTask RecordAsync(string job, IReadOnlyList<ChangeEvent> triggers, BatchOutcome outcome, IReadOnlyCollection<TrackedRead> tracked, long startedAt,
        CancellationToken cancellationToken, IReadOnlyList<string>? parameters = null)
    {
        // Both sets of rows built first, then handed to the store back to back: its group commit stores them in one
        // transaction instead of two in a row.
        var readRows = trackReads ? reads.Rows(job, triggers, tracked, startedAt) : null;
        var resultRows = results.Puts(job, triggers, outcome, kind, parameters, startedAt);
        var writingReads = readRows is null ? Task.CompletedTask : reads.WriteAsync(readRows, cancellationToken).AsTask();
        var writingResults = results.WriteAsync(resultRows, cancellationToken).AsTask();
        await Task.WhenAll(writingReads, writingResults);
    }
}
