using System.Text;
using FeaturePlatform.EventCenter.Events;
using FeaturePlatform.EventCenter.EventStorage;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Jobs;
using FeaturePlatform.Runtime.Outputs;
using FeaturePlatform.Runtime.Parameters;
using FeaturePlatform.Runtime.Repair;

namespace FeaturePlatform.Runtime.Parity;

/// <summary>
/// The one comparer of the parity check and the correction replay: a batch of replayed computations against the
/// result log's latest revisions, row by row (values as the outputs write them), with the cause of each difference.
/// </summary>
/// <remarks>
/// Causes, first that applies: <see cref="DifferenceCause.Version"/> when live's version is not the replay's;
/// <see cref="DifferenceCause.Parameters"/> when live's parameter identity is not that of the values in force at the
/// event's time (<paramref name="plan"/>); <see cref="DifferenceCause.LateData"/> when an event of the trigger's entity,
/// at or before its time, in any of <paramref name="sources"/>, was stored after live's revision (live could not have
/// read it; repair pending or missed); else <see cref="DifferenceCause.Other"/>.
/// </remarks>
internal sealed class ParityComparer(RegisteredJob job, ResultLog results, IEventReader events, IReadOnlyList<string> sources, ParameterPlan plan)
{
    /// <summary>The job compared.</summary>
    public RegisteredJob Job => job;

    /// <summary>The replay's parameter values.</summary>
    public ParameterPlan Plan => plan;

    /// <summary>Compares the computations of <paramref name="triggers"/> whose replayed rows are among <paramref name="replayed"/>.</summary>
    public async Task<IReadOnlyList<ComputationParity>> CompareAsync(IReadOnlyList<ChangeEvent> triggers, IReadOnlyList<FeatureResult> replayed, CancellationToken cancellationToken)
    {
        var logged = await results.GetAsync(job.Name, [.. triggers.Select(t => (t.Source, t.EventId))], cancellationToken);
        var rows = replayed.ToLookup(r => (r.Trigger.Source, r.Trigger.EventId));
        var compared = new List<ComputationParity>(triggers.Count);
        foreach (var trigger in triggers)
        {
            var id = (trigger.Source, trigger.EventId);
            logged.TryGetValue(id, out var live);
            var replay = rows[id].OrderBy(r => r.RowIndex).ToList();
            var liveRows = live?.Rows ?? [];
            var outcome = new List<RowParity>(Math.Max(liveRows.Count, replay.Count));
            for (var i = 0; i < Math.Max(liveRows.Count, replay.Count); i++)
            {
                var l = i < liveRows.Count ? liveRows[i].GetRawText() : null;
                var r = i < replay.Count ? Encoding.UTF8.GetString(ResultJson.SerializeValues(replay[i])) : null;
                var kind = l is null ? RowOutcome.LiveMissing : r is null ? RowOutcome.ReplayMissing
                    : string.Equals(l, r, StringComparison.Ordinal) ? RowOutcome.Equal : RowOutcome.Differing;
                outcome.Add(new RowParity(i, kind, l, r));
            }
            var version = replay.FirstOrDefault()?.JobVersion ?? job.Version;
            var cause = outcome.Any(o => o.Outcome != RowOutcome.Equal) ? await CauseAsync(trigger, live, version, cancellationToken) : ((DifferenceCause, string)?)null;
            compared.Add(new ComputationParity(trigger, live, replay, version, outcome, cause));
        }
        return compared;
    }

    private async Task<(DifferenceCause Cause, string Detail)> CauseAsync(ChangeEvent trigger, LoggedComputation? live, string version, CancellationToken cancellationToken)
    {
        if (live is null)
        {
            return (DifferenceCause.Other, "live has not computed this event (job disabled or behind, or the result log's retention passed)");
        }
        if (!string.Equals(live.Version, version, StringComparison.Ordinal))
        {
            return (DifferenceCause.Version, $"live computed it with version {live.Version}, the replay with {version}");
        }
        var inForce = plan.IdentityAt(trigger.EventTime);
        if (live.Parameters is { } used && !string.Equals(used, inForce, StringComparison.Ordinal))
        {
            return (DifferenceCause.Parameters, $"live ran with parameter values {used}, the values in force at the event's time are {inForce}");
        }
        foreach (var source in sources)
        {
            await foreach (var e in events.GetHistoryAsync(source, trigger.EntityKey, long.MinValue, trigger.EventTime + 1, cancellationToken))
            {
                if (e.IngestTime > live.Revision)
                {
                    return (DifferenceCause.LateData,
                        $"{source} event {e.EventId} (event time {e.EventTime}) was stored at {e.IngestTime}, after live's revision of {live.Revision} ({live.Kind}): a repair is pending or was missed");
                }
            }
        }
        return (DifferenceCause.Other, "same version, parameters and stored inputs of the entity: a read of another entity changed, or the logic is not deterministic");
    }
}

/// <summary>One row compared.</summary>
internal sealed record RowParity(int RowIndex, RowOutcome Outcome, string? Live, string? Replay);

/// <summary>One computation compared: live's revision (null: none), the replay's rows, each row's outcome and, when any row is not equal, the cause.</summary>
internal sealed record ComputationParity(ChangeEvent Trigger, LoggedComputation? Live, IReadOnlyList<FeatureResult> Replay, string ReplayVersion,
    IReadOnlyList<RowParity> Rows, (DifferenceCause Cause, string Detail)? Cause)
{
    /// <summary>Whether the replay has a row live lacks or has with other values (what a correction rewrites).</summary>
    public bool NeedsRewrite => Rows.Any(r => r.Outcome is RowOutcome.Differing or RowOutcome.LiveMissing);
}
