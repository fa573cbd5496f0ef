using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Repair;

namespace FeaturePlatform.Runtime.Parity;

/// <summary>
/// The output of a parity check's replay: compares each batch's rows with the result log (<see cref="ParityComparer"/>)
/// and counts them; in a correction run it also rewrites what differs — the replay's rows through
/// <see cref="CorrectionOutput"/> on the job's live outputs (only rows whose values changed, flagged as corrections),
/// then the result log's revisions of those computations (kind <see cref="ComputationKind.Correction"/>).
/// </summary>
/// <remarks>
/// Trigger events whose replay produced no row never reach an output; <see cref="FinishAsync"/> compares them after the
/// replay (live rows without a replayed row are <see cref="RowOutcome.ReplayMissing"/>, reported, not rewritten).
/// </remarks>
internal sealed class ParityOutput(ParityComparer comparer, ParityTally tally, ResultLog results, IReadOnlyList<IJobOutput>? liveOutputs) : IJobOutput
{
    private readonly HashSet<(string Source, string EventId)> seen = [];

    public string Name => "parity";

    public async ValueTask WriteAsync(IReadOnlyList<FeatureResult> replayed, CancellationToken cancellationToken)
    {
        var triggers = replayed.Select(r => r.Trigger).DistinctBy(t => (t.Source, t.EventId)).ToList();
        lock (seen)
        {
            seen.UnionWith(triggers.Select(t => (t.Source, t.EventId)));
        }
        var compared = await comparer.CompareAsync(triggers, replayed, cancellationToken);
        tally.Add(compared);
        if (liveOutputs is not null)
        {
            await RewriteAsync(compared, cancellationToken);
        }
    }

    /// <summary>Compares the trigger events of <paramref name="sources"/> in [<paramref name="from"/>, <paramref name="to"/>) that produced no replayed row.</summary>
    public async Task FinishAsync(IEventReader events, IReadOnlyList<string> sources, long from, long to, CancellationToken cancellationToken)
    {
        var pending = new List<EventCenter.Events.ChangeEvent>(500);
        foreach (var source in sources)
        {
            await foreach (var e in events.ReplayAsync(source, from, to, cancellationToken))
            {
                bool known;
                lock (seen)
                {
                    known = !seen.Add((e.Source, e.EventId));
                }
                if (known)
                {
                    continue;
                }
                pending.Add(e);
                if (pending.Count == 500)
                {
                    tally.Add(await comparer.CompareAsync(pending, [], cancellationToken));
                    pending.Clear();
                }
            }
        }
        if (pending.Count > 0)
        {
            tally.Add(await comparer.CompareAsync(pending, [], cancellationToken));
        }
    }

    private async Task RewriteAsync(IReadOnlyList<ComputationParity> compared, CancellationToken cancellationToken)
    {
        var changed = compared.Where(c => c.NeedsRewrite).ToList();
        if (changed.Count == 0)
        {
            return;
        }
        var previous = changed.Where(c => c.Live is not null).ToDictionary(c => (c.Trigger.Source, c.Trigger.EventId), c => c.Live!);
        var rows = changed.SelectMany(c => c.Replay).ToList();
        // Outputs first, then the log: if writing fails, the log still shows the old revision and the next run retries.
        foreach (var output in liveOutputs!)
        {
            await new CorrectionOutput(output, previous).WriteAsync(rows, cancellationToken);
        }
        await results.WriteAsync(comparer.Job.Name, [.. changed.Select(c => c.Trigger)], new BatchOutcome(rows, []), ComputationKind.Correction, cancellationToken,
            [.. changed.Select(c => comparer.Plan.IdentityAt(c.Trigger.EventTime))]);
        tally.AddCorrected(rows.Count(r => CorrectionOutput.Differs(r, previous)));
    }

    /// <summary>Disposes the live outputs of a correction run.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var output in liveOutputs ?? [])
        {
            await output.DisposeAsync();
        }
    }
}
