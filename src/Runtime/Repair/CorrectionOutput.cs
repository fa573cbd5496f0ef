using System.Text;
using FeaturePlatform.Runtime.Execution;
using FeaturePlatform.Runtime.Outputs;

namespace FeaturePlatform.Runtime.Repair;

/// <summary>
/// A job output during a repair or correction: passes on only the rows whose values differ from the revision the
/// result log held before (<paramref name="previous"/>), flagged <see cref="FeatureResult.Correction"/>; unchanged rows
/// are not sent again.
/// </summary>
internal sealed class CorrectionOutput(IJobOutput inner, IReadOnlyDictionary<(string Source, string EventId), LoggedComputation> previous) : IJobOutput
{
    public string Name => inner.Name;

    public ValueTask WriteAsync(IReadOnlyList<FeatureResult> results, CancellationToken cancellationToken)
    {
        var changed = results.Where(Differs).Select(r => r with { Correction = true }).ToList();
        return changed.Count == 0 ? ValueTask.CompletedTask : inner.WriteAsync(changed, cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>True when the row is new or its values differ from the previous revision's (compared as the outputs serialise them).</summary>
    internal static bool Differs(FeatureResult result, IReadOnlyDictionary<(string Source, string EventId), LoggedComputation> previous)
    {
        if (!previous.TryGetValue((result.Trigger.Source, result.Trigger.EventId), out var before) || result.RowIndex >= before.Rows.Count)
        {
            return true;
        }
        return !Encoding.UTF8.GetString(ResultJson.SerializeValues(result)).Equals(before.Rows[result.RowIndex].GetRawText(), StringComparison.Ordinal);
    }

    private bool Differs(FeatureResult result) => Differs(result, previous);
}
